package io.outrigger.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import io.outrigger.testing.PrometheusPage;
import io.outrigger.testing.ProxyClient;
import io.outrigger.testing.Sidecar;
import io.outrigger.testing.TestUpstream;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A failing upstream under concurrent load: each request may retry up to 3 times, but the
 * cluster's retry budget (20% of requests in flight, at least 3 retries at once) bounds the extra
 * traffic, and every retry it refuses is counted.
 */
class RetryBudgetIT {

    @Test
    void retriesStayWithinTheBudgetAndRefusalsAreCounted() throws Exception {
        try (TestUpstream failing = TestUpstream.start("failing").handler((request, response) ->
                        Mono.delay(Duration.ofMillis(300)).then(response.status(503).sendString(Mono.just("down")).then()));
                Sidecar sidecar = Sidecar.start("""
                        outrigger:
                          routes:
                            - name: shop
                              hosts: [ shop ]
                              route: [ { cluster: shop } ]
                              retries: { attempts: 3, retry-on: "5xx" }
                          clusters:
                            shop: { endpoints: [ "%s" ] }
                        """.formatted(failing.endpoint()))) {
            int clients = 20;
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                threads.add(Thread.ofPlatform().start(() -> {
                    try (ProxyClient client = new ProxyClient(sidecar.outboundPort())) {
                        go.await();
                        assertThat(client.get("shop", "/").status()).isEqualTo(503);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
            }
            go.countDown();
            for (Thread thread : threads) {
                thread.join();
            }
            // Without a budget: 20 x (1 + 3) = 80 upstream requests. With it, at most 4 retries are
            // in progress at once while 20 requests are in flight.
            System.out.printf("retry budget: %d upstream requests for %d client requests%n", failing.requests(), clients);
            assertThat(failing.requests()).isLessThan(clients * 4).isGreaterThan(clients);
            Map<String, String> cluster = Map.of("cluster", "shop");
            PrometheusPage page = PrometheusPage.scrapeUntil(sidecar.adminPort(),
                    p -> p.sum("outrigger_upstream_retries_refused_total", cluster) > 0);
            assertThat(page.sum("outrigger_upstream_retries_refused_total", cluster)).isPositive();
        }
    }
}
