package io.outrigger.cluster;

import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import io.outrigger.testing.Admin;
import io.outrigger.testing.PrometheusPage;
import io.outrigger.testing.ProxyClient;
import io.outrigger.testing.Sidecar;
import io.outrigger.testing.TestUpstream;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Limits that refuse at once instead of queueing without bound: a cluster's requests in flight
 * (max-connections plus max-pending-requests, Envoy's circuit breaker), answered 503 UO; and a
 * listener's connections, closed before a byte is read. Both counted.
 */
class OverloadIT {

    @Test
    void aClusterOverItsLimitAnswers503UoAtOnce() throws Exception {
        try (TestUpstream slow = TestUpstream.start("slow").handler((request, response) ->
                        Mono.delay(Duration.ofMillis(3000)).then(response.sendString(Mono.just("slow")).then()));
                Sidecar sidecar = Sidecar.start("""
                        outrigger:
                          routes:
                            - { name: slow, hosts: [ slow ], route: [ { cluster: slow } ] }
                          clusters:
                            slow:
                              endpoints: [ "%s" ]
                              connection-pool: { max-connections: 2, max-pending-requests: 1 }
                        """.formatted(slow.endpoint()))) {
            List<Integer> statuses = new CopyOnWriteArrayList<>();
            List<Thread> callers = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                callers.add(Thread.ofPlatform().start(() -> {
                    try (ProxyClient client = new ProxyClient(sidecar.outboundPort())) {
                        statuses.add(client.get("slow", "/").status());
                    }
                }));
            }
            // The three are in flight: the limit (2 + 1) is reached.
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    Admin.get(sidecar.adminPort(), "/actuator/clusters").body().contains("\"activeRequests\":3"));
            long start = System.nanoTime();
            ProxyClient.Response refused;
            try (ProxyClient client = new ProxyClient(sidecar.outboundPort())) {
                refused = client.get("slow", "/");
            }
            long waitedMillis = (System.nanoTime() - start) / 1_000_000;
            for (Thread caller : callers) {
                caller.join();
            }
            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.body()).startsWith("upstream connection pool overflow");
            assertThat(waitedMillis).as("refused at once, not queued behind the slow ones (2.5 s)").isLessThan(2000);
            assertThat(statuses).containsOnly(200);
            assertThat(PrometheusPage.scrapeUntil(sidecar.adminPort(),
                    p -> p.sum("outrigger_upstream_overflows_total", Map.of("cluster", "slow")) == 1)
                    .sum("outrigger_upstream_overflows_total", Map.of("cluster", "slow"))).isEqualTo(1);
        }
    }

    @Test
    void aListenerOverItsConnectionLimitClosesNewOnesAtOnce() throws IOException {
        try (Sidecar sidecar = Sidecar.start("outrigger: { outbound: { limits: { max-connections: 2 } } }");
                Socket first = new Socket("127.0.0.1", sidecar.outboundPort());
                Socket second = new Socket("127.0.0.1", sidecar.outboundPort())) {
            PrometheusPage.scrapeUntil(sidecar.adminPort(), p -> p.sum("outrigger_listener_active_connections",
                    Map.of("listener", "outbound")) == 2);
            try (Socket third = new Socket("127.0.0.1", sidecar.outboundPort())) {
                third.setSoTimeout(5000);
                third.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
                assertThat(third.getInputStream().read()).isEqualTo(-1);
            } catch (java.net.SocketException reset) {
                // closed so fast the write was reset: refused all the same
            }
            Map<String, String> overflow = Map.of("listener", "outbound", "reason", "overflow");
            assertThat(PrometheusPage.scrapeUntil(sidecar.adminPort(),
                    p -> p.sum("outrigger_listener_refused_connections_total", overflow) == 1)
                    .sum("outrigger_listener_refused_connections_total", overflow)).isEqualTo(1);
            assertThat(first.isConnected() && second.isConnected()).isTrue();
        }
    }

    @Test
    void headersTrickledInTooSlowlyGet408ButAnIdleKeepAliveConnectionIsNotHurried() throws Exception {
        try (TestUpstream app = TestUpstream.start("app");
                Sidecar sidecar = Sidecar.start("""
                        outrigger:
                          outbound: { limits: { request-headers-timeout: 500ms } }
                          routes: [ { name: app, hosts: [ app ], route: [ { cluster: app } ] } ]
                          clusters: { app: { endpoints: [ "%s" ] } }
                        """.formatted(app.endpoint()))) {
            try (Socket slowloris = new Socket("127.0.0.1", sidecar.outboundPort())) {
                slowloris.setSoTimeout(5000);
                java.io.OutputStream out = slowloris.getOutputStream();
                out.write("GET / HTTP/1.1\r\nHost: app\r\n".getBytes());
                String answer = "";
                try {
                    for (int i = 0; i < 20; i++) {
                        Thread.sleep(100);
                        out.write(("X-Trickle-" + i + ": x\r\n").getBytes());
                    }
                } catch (java.net.SocketException closed) {
                    // the proxy gave up on us, as it should
                }
                answer = new String(slowloris.getInputStream().readAllBytes());
                assertThat(answer).startsWith("HTTP/1.1 408").contains("request headers timeout");
            }
            Map<String, String> timeouts = Map.of("listener", "outbound", "reason", "request_headers_timeout");
            assertThat(PrometheusPage.scrapeUntil(sidecar.adminPort(),
                    p -> p.sum("outrigger_listener_refused_connections_total", timeouts) == 1)
                    .sum("outrigger_listener_refused_connections_total", timeouts)).isEqualTo(1);

            try (ProxyClient client = new ProxyClient(sidecar.outboundPort())) {
                assertThat(client.get("app", "/").status()).isEqualTo(200);
                Thread.sleep(1000);   // idle between requests: not a slow request
                assertThat(client.get("app", "/").status()).isEqualTo(200);
            }
        }
    }

    @Test
    void aKeepAliveConnectionIdleTooLongIsClosedAndCounted() throws Exception {
        try (TestUpstream app = TestUpstream.start("app");
                Sidecar sidecar = Sidecar.start("""
                        outrigger:
                          outbound: { limits: { idle-timeout: 400ms } }
                          routes: [ { name: app, hosts: [ app ], route: [ { cluster: app } ] } ]
                          clusters: { app: { endpoints: [ "%s" ] } }
                        """.formatted(app.endpoint()));
                Socket idle = new Socket("127.0.0.1", sidecar.outboundPort())) {
            idle.setSoTimeout(5000);
            idle.getOutputStream().write("GET / HTTP/1.1\r\nHost: app\r\ncontent-length: 0\r\n\r\n".getBytes());
            long start = System.nanoTime();
            String answer = new String(idle.getInputStream().readAllBytes());   // until the proxy closes
            long openMillis = (System.nanoTime() - start) / 1_000_000;
            assertThat(answer).startsWith("HTTP/1.1 200");
            assertThat(openMillis).as("kept alive for about the idle timeout").isBetween(300L, 4000L);
            Map<String, String> outbound = Map.of("listener", "outbound");
            assertThat(PrometheusPage.scrapeUntil(sidecar.adminPort(),
                    p -> p.sum("outrigger_listener_idle_timeouts_total", outbound) == 1)
                    .sum("outrigger_listener_idle_timeouts_total", outbound)).isEqualTo(1);
        }
    }
}
