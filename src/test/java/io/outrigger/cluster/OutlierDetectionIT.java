package io.outrigger.cluster;

import java.time.Duration;
import java.util.Map;

import io.outrigger.testing.Admin;
import io.outrigger.testing.PrometheusPage;
import io.outrigger.testing.ProxyClient;
import io.outrigger.testing.Sidecar;
import io.outrigger.testing.TestUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Outlier detection against real upstreams, one of which fails: it is ejected after its errors
 * in a row, traffic goes to the others, the ejection shows and is counted, it comes back after
 * its time, a second ejection lasts longer, and a cluster whose every endpoint is ejected still
 * sends traffic to them (panic) instead of failing everything.
 */
class OutlierDetectionIT {

    TestUpstream good;
    TestUpstream bad;
    volatile boolean badFails = true;

    @BeforeEach
    void start() {
        good = TestUpstream.start("good");
        bad = TestUpstream.start("bad").handler((request, response) -> badFails
                ? response.status(503).sendString(Mono.just("bad"))
                : response.sendString(Mono.just("bad-recovered")));
    }

    @AfterEach
    void stop() {
        good.close();
        bad.close();
    }

    Sidecar sidecar(int maxPercent, String baseEjectionTime) {
        return Sidecar.start("""
                outrigger:
                  routes:
                    - { name: shop, hosts: [ shop ], route: [ { cluster: shop } ], retries: { attempts: 0 } }
                  clusters:
                    shop:
                      endpoints: [ "%s", "%s" ]
                      load-balancer: round-robin
                      outlier-detection: { consecutive-5xx: 3, interval: 200ms, base-ejection-time: %s, max-ejection-percent: %d }
                """.formatted(good.endpoint(), bad.endpoint(), baseEjectionTime, maxPercent));
    }

    @Test
    void aFailingEndpointIsEjectedAndTrafficGoesToTheOthersUntilItsTimeIsUp() throws Exception {
        try (Sidecar sidecar = sidecar(50, "1500ms"); ProxyClient client = new ProxyClient(sidecar.outboundPort())) {
            int failed = 0;
            for (int i = 0; i < 6; i++) {
                failed += client.get("shop", "/").status() == 503 ? 1 : 0;
            }
            assertThat(failed).as("three failures in a row from the bad endpoint, then it is out").isEqualTo(3);
            for (int i = 0; i < 10; i++) {
                assertThat(client.get("shop", "/").body()).isEqualTo("good");
            }
            String clusters = Admin.get(sidecar.adminPort(), "/actuator/clusters").body();
            assertThat(clusters).contains("\"address\":\"" + bad.endpoint() + "\",\"health\":\"EJECTED\",\"ejected\":true");
            assertThat(PrometheusPage.scrapeUntil(sidecar.adminPort(),
                    p -> p.sum("outrigger_upstream_ejections_total", Map.of("cluster", "shop")) == 1)
                    .sum("outrigger_upstream_ejections_total", Map.of("cluster", "shop"))).isEqualTo(1);

            badFails = false;
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).untilAsserted(() ->
                    assertThat("bad-recovered".equals(client.get("shop", "/").body()))
                            .as("the ejection ended and the endpoint serves again").isTrue());

            // Failing again: ejected again, for twice as long (ejection 2).
            badFails = true;
            for (int i = 0; i < 8; i++) {
                client.get("shop", "/");
            }
            assertThat(Admin.get(sidecar.adminPort(), "/actuator/clusters").body())
                    .contains("\"health\":\"EJECTED\",\"ejected\":true").contains("\"ejections\":2");
        }
    }

    @Test
    void whenEveryEndpointIsEjectedTrafficStillFlowsToThem() {
        good.handler((request, response) -> response.status(503).sendString(Mono.just("good-but-failing")));
        try (Sidecar sidecar = sidecar(100, "30s"); ProxyClient client = new ProxyClient(sidecar.outboundPort())) {
            for (int i = 0; i < 12; i++) {
                client.get("shop", "/");
            }
            String clusters = Admin.get(sidecar.adminPort(), "/actuator/clusters").body();
            assertThat(clusters.split("\"health\":\"EJECTED\"", -1)).as("both ejected").hasSize(3);
            // Panic: the upstreams still get the requests (and answer 503 themselves), no 503 UH from the proxy.
            ProxyClient.Response response = client.get("shop", "/");
            assertThat(response.body()).isIn("bad", "good-but-failing");
        }
    }

    @Test
    void atMostTheMaximumShareIsEjected() {
        good.handler((request, response) -> response.status(503).sendString(Mono.just("good-but-failing")));
        try (Sidecar sidecar = sidecar(50, "30s"); ProxyClient client = new ProxyClient(sidecar.outboundPort())) {
            for (int i = 0; i < 12; i++) {
                client.get("shop", "/");
            }
            String clusters = Admin.get(sidecar.adminPort(), "/actuator/clusters").body();
            assertThat(clusters.split("\"health\":\"EJECTED\"", -1)).as("one of two at 50%").hasSize(2);
        }
    }
}
