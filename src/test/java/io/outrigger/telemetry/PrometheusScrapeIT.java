package io.outrigger.telemetry;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import io.outrigger.testing.PrometheusPage;
import io.outrigger.testing.PrometheusServer;
import io.outrigger.testing.ProxyClient;
import io.outrigger.testing.Sidecar;
import io.outrigger.testing.TestUpstream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A real Prometheus scrapes the sidecar; the queries an operator would run answer what the test
 * sent: 40 fast requests and 40 that take 300 ms, after one that starts the series.
 */
class PrometheusScrapeIT {

    @Test
    void prometheusSeesTheTrafficThatWasSent() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(PrometheusServer.BINARY),
                "prometheus not installed (Debian package 'prometheus'; .ci/run installs it): skipping the scrape test");
        try (TestUpstream upstream = TestUpstream.start("app").handler((request, response) -> Mono
                        .delay(Duration.ofMillis(request.uri().contains("slow") ? 300 : 0))
                        .then(response.sendString(Mono.just("ok")).then()));
                Sidecar sidecar = Sidecar.start("""
                        outrigger:
                          routes:
                            - { name: app, hosts: [ app ], route: [ { cluster: app } ] }
                          clusters:
                            app: { endpoints: [ "%s" ] }
                        """.formatted(upstream.endpoint()));
                PrometheusServer prometheus = PrometheusServer.scraping(sidecar.adminPort(), "/actuator/prometheus")) {
            awaitScrapes(prometheus);
            // One request first, so the series exists (at 1) before the traffic being measured:
            // increase() then has nothing to guess about where the series started.
            try (ProxyClient client = new ProxyClient(sidecar.outboundPort())) {
                assertThat(client.get("app", "/fast").status()).isEqualTo(200);
            }
            await().atMost(Duration.ofSeconds(30)).alias("prometheus has the series at 1")
                    .until(() -> prometheus.query("sum(istio_requests_total{response_code=\"200\"})") == 1.0);
            ExecutorService clients = Executors.newFixedThreadPool(4);
            List<Future<?>> runs = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                runs.add(clients.submit(() -> {
                    try (ProxyClient client = new ProxyClient(sidecar.outboundPort())) {
                        for (int i = 0; i < 10; i++) {
                            assertThat(client.get("app", "/fast").status()).isEqualTo(200);
                            assertThat(client.get("app", "/slow").status()).isEqualTo(200);
                        }
                    }
                }));
            }
            for (Future<?> run : runs) {
                run.get();
            }
            clients.shutdown();
            // Once the sidecar has counted every exchange (a moment after its client had the
            // response), the next scrape has the final counts.
            PrometheusPage.scrapeUntil(sidecar.adminPort(), p -> p.sum("istio_requests_total", Map.of("response_code", "200")) >= 81);
            double counted = System.currentTimeMillis() / 1000.0;
            await().atMost(Duration.ofSeconds(30)).alias("prometheus scraped the final counts").until(() ->
                    prometheus.query("max(timestamp(istio_requests_total{response_code=\"200\"}))") > counted);

            // Evaluated at the last scrape, so increase() does not extrapolate past it.
            double lastScrape = prometheus.query("max(timestamp(istio_requests_total{response_code=\"200\"}))");
            String at = Double.toString(lastScrape);
            double sent = prometheus.query("sum(increase(istio_requests_total{response_code=\"200\"}[1m]))", at);
            // 80 measured requests plus the first one; increase() may still extrapolate a fraction
            // of one request towards the window's start.
            assertThat(sent).isBetween(80.0, 81.5);
            double exact = prometheus.query("sum(istio_requests_total{response_code=\"200\"})", at);
            assertThat(exact).isEqualTo(81.0);
            double p25 = prometheus.query(
                    "histogram_quantile(0.25, sum(rate(istio_request_duration_milliseconds_bucket{response_code=\"200\"}[1m])) by (le))", at);
            double p75 = prometheus.query(
                    "histogram_quantile(0.75, sum(rate(istio_request_duration_milliseconds_bucket{response_code=\"200\"}[1m])) by (le))", at);
            assertThat(p25).as("half the requests are fast").isLessThan(100);
            assertThat(p75).as("half take 300 ms: the (250, 500] bucket").isBetween(250.0, 500.0);
        }
    }

    /** Waits until Prometheus has scraped the sidecar successfully. */
    private static void awaitScrapes(PrometheusServer prometheus) {
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .alias("prometheus never scraped the sidecar")
                .until(() -> prometheus.query("up{job=\"outrigger\"}") == 1.0);
    }
}
