package io.outrigger.pipeline;

import io.outrigger.testing.ProxyClient;
import io.outrigger.testing.Sidecar;
import io.outrigger.testing.TestUpstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Inbound requests reach the local application; a user's {@link ProxyFilter} bean joins both
 * stacks after routing, sees the route, and may change the request or answer it itself.
 */
class InboundAndUserFilterIT {

    static final java.util.concurrent.atomic.AtomicInteger threadChanges = new java.util.concurrent.atomic.AtomicInteger();
    static TestUpstream app;
    static TestUpstream remote;
    static Sidecar sidecar;

    /** Registered by the test the way a user registers one: an ordinary Spring bean. */
    @Configuration(proxyBeanMethods = false)
    static class UserFilters {
        @Bean
        @Order(1)
        ProxyFilter tagging() {
            return (exchange, chain) -> {
                exchange.upstreamHeaders().set("x-user-filter",
                        exchange.direction() + " " + exchange.route().name() + " " + exchange.cluster().name());
                return chain.filter(exchange);
            };
        }

        /** Fails any request whose response completes on another thread than the one it started on. */
        @Bean
        @Order(3)
        ProxyFilter sameThread() {
            return (exchange, chain) -> {
                Thread start = Thread.currentThread();
                return chain.filter(exchange).doOnSuccess(done -> {
                    if (Thread.currentThread() != start) {
                        threadChanges.incrementAndGet();
                    }
                });
            };
        }

        @Bean
        @Order(2)
        ProxyFilter blocking() {
            return (exchange, chain) -> exchange.path().startsWith("/boom")
                    ? throwing()
                    : exchange.path().startsWith("/blocked")
                    ? LocalReply.send(exchange, 451, null, "blocked by policy")
                    : chain.filter(exchange);
        }
    }

    @BeforeAll
    static void start() {
        app = TestUpstream.start("app");
        remote = TestUpstream.start("remote");
        sidecar = Sidecar.start("""
                outrigger:
                  inbound:
                    app-port: %d
                  routes:
                    - name: remote
                      hosts: [ "remote" ]
                      route: [ { cluster: remote } ]
                  clusters:
                    remote: { endpoints: [ "%s" ] }
                """.formatted(app.port(), remote.endpoint()), "--spring.main.sources=" + UserFilters.class.getName());
    }

    @AfterAll
    static void stop() {
        sidecar.close();
        app.close();
        remote.close();
    }

    @Test
    void inboundRequestsReachTheApplicationPort() {
        try (ProxyClient client = new ProxyClient(sidecar.inboundPort())) {
            ProxyClient.Response response = client.get("my-service.default.svc", "/hello");
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("app");
            assertThat(app.last().headers().get("host")).isEqualTo("my-service.default.svc");
            assertThat(app.last().headers().get("x-user-filter"))
                    .isEqualTo("INBOUND inbound|" + app.port() + " inbound|" + app.port() + "||");
        }
    }

    @Test
    void aUserFilterSeesTheRouteAndCanAnswerItself() {
        try (ProxyClient client = new ProxyClient(sidecar.outboundPort())) {
            assertThat(client.get("remote", "/x").body()).isEqualTo("remote");
            assertThat(remote.last().headers().get("x-user-filter")).isEqualTo("OUTBOUND remote remote");
            remote.reset();
            ProxyClient.Response blocked = client.get("remote", "/blocked/1");
            assertThat(blocked.status()).isEqualTo(451);
            assertThat(blocked.body()).isEqualTo("blocked by policy\n");
            assertThat(remote.requests()).isZero();
        }
    }

    @Test
    void aRequestIsServedOnOneThreadFromStartToEnd() throws Exception {
        threadChanges.set(0);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        java.util.List<java.util.concurrent.Future<?>> runs = new java.util.ArrayList<>();
        for (int c = 0; c < 4; c++) {
            runs.add(pool.submit(() -> {
                try (ProxyClient client = new ProxyClient(sidecar.outboundPort())) {
                    for (int i = 0; i < 100; i++) {
                        assertThat(client.get("remote", "/t").status()).isEqualTo(200);
                    }
                }
            }));
        }
        for (java.util.concurrent.Future<?> run : runs) {
            run.get();
        }
        pool.shutdown();
        assertThat(threadChanges.get()).isZero();
    }

    static Mono<Void> throwing() {
        throw new IllegalStateException("a bug in a user filter");
    }

    @Test
    void aFilterThatThrowsCostsOneRequestA500AndIsCounted() {
        try (ProxyClient client = new ProxyClient(sidecar.outboundPort())) {
            ProxyClient.Response response = client.get("remote", "/boom");
            assertThat(response.status()).isEqualTo(500);
            assertThat(response.body()).isEqualTo("internal proxy error\n");
            assertThat(client.get("remote", "/fine").status()).isEqualTo(200);
        }
        java.util.Map<String, String> failed = java.util.Map.of("response_code", "500", "destination_cluster", "remote");
        assertThat(io.outrigger.testing.PrometheusPage.scrapeUntil(sidecar.adminPort(),
                p -> p.sum("istio_requests_total", failed) >= 1).sum("istio_requests_total", failed)).isEqualTo(1);
    }

    @Test
    void userFiltersDoNotRunForRequestsWithoutARoute() {
        try (ProxyClient client = new ProxyClient(sidecar.outboundPort())) {
            assertThat(client.get("elsewhere", "/blocked").status()).isEqualTo(502);
        }
    }

}
