package io.outrigger.telemetry;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.outrigger.testing.Admin;
import io.outrigger.testing.PrometheusPage;
import io.outrigger.testing.ProxyClient;
import io.outrigger.testing.Sidecar;
import io.outrigger.testing.TestUpstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;

/** Istio's metrics count exactly what happened, with Istio's names, labels and buckets. */
class IstioMetricsIT {

    static TestUpstream app;
    static TestUpstream reviews;
    static Sidecar sidecar;

    @BeforeAll
    static void start() {
        app = TestUpstream.start("app");
        reviews = TestUpstream.start("reviews").handler((request, response) ->
                request.receive().then(request.uri().contains("fail")
                        ? response.status(503).sendString(Mono.just("no")).then()
                        : response.sendString(Mono.just("0123456789")).then()));
        sidecar = Sidecar.start("""
                outrigger:
                  inbound:
                    app-port: %d
                  routes:
                    - name: reviews
                      hosts: [ "reviews" ]
                      route: [ { cluster: reviews } ]
                      retries: { attempts: 0 }
                    - name: teapot
                      hosts: [ "teapot" ]
                      route: [ { cluster: reviews } ]
                      fault: { abort: { percent: 100, http-status: 418 } }
                  clusters:
                    reviews: { endpoints: [ "%s" ] }
                """.formatted(app.port(), reviews.endpoint()),
                "--outrigger.identity.workload=productpage-v1", "--outrigger.identity.namespace=shop",
                "--outrigger.identity.service=productpage");
    }

    @AfterAll
    static void stop() {
        sidecar.close();
        app.close();
        reviews.close();
    }

    static PrometheusPage scrape() {
        return new PrometheusPage(Admin.get(sidecar.adminPort(), "/actuator/prometheus").body());
    }

    @Test
    void countsAreExactPerResponseCodeAndFlags() {
        PrometheusPage before = scrape();
        Map<String, String> ok = Map.of("destination_cluster", "reviews", "response_code", "200", "response_flags", "-");
        Map<String, String> failed = Map.of("destination_cluster", "reviews", "response_code", "503", "response_flags", "-");
        Map<String, String> fault = Map.of("response_code", "418", "response_flags", "FI");
        Map<String, String> noRoute = Map.of("destination_cluster", "unknown", "response_code", "502", "response_flags", "NR");
        try (ProxyClient client = new ProxyClient(sidecar.outboundPort())) {
            for (int i = 0; i < 7; i++) {
                client.send(HttpMethod.POST, "reviews", "/ok", "abcde", HttpHeaders.EMPTY_HEADERS);
            }
            for (int i = 0; i < 3; i++) {
                client.get("reviews", "/fail");
            }
            for (int i = 0; i < 2; i++) {
                client.get("teapot", "/");
            }
            for (int i = 0; i < 4; i++) {
                client.get("unmatched-" + i + ".example", "/");
            }
        }
        PrometheusPage after = scrapeUntil(page -> delta(before, page, "istio_requests_total", noRoute) >= 4);
        assertThat(delta(before, after, "istio_requests_total", ok)).isEqualTo(7);
        assertThat(delta(before, after, "istio_requests_total", failed)).isEqualTo(3);
        assertThat(delta(before, after, "istio_requests_total", fault)).isEqualTo(2);
        assertThat(delta(before, after, "istio_requests_total", noRoute)).isEqualTo(4);
        assertThat(delta(before, after, "istio_request_duration_milliseconds_count", ok)).isEqualTo(7);
        assertThat(delta(before, after, "istio_request_bytes_sum", ok)).isEqualTo(7 * 5);
        assertThat(delta(before, after, "istio_response_bytes_sum", ok)).isEqualTo(7 * 10);
        // Four different unmatched hosts are one series, not four.
        assertThat(after.series("istio_requests_total", noRoute)).hasSize(1);
    }

    @Test
    void outboundIsReportedBySourceWithThePodsIdentity() {
        try (ProxyClient client = new ProxyClient(sidecar.outboundPort())) {
            client.get("reviews", "/ok");
        }
        Map<String, String> labels = Map.of("reporter", "source", "destination_cluster", "reviews", "response_code", "200");
        PrometheusPage.Sample sample = scrapeUntil(p -> !p.series("istio_requests_total", labels).isEmpty())
                .series("istio_requests_total", labels).getFirst();
        assertThat(sample.labels()).containsEntry("source_workload", "productpage-v1")
                .containsEntry("source_workload_namespace", "shop")
                .containsEntry("destination_service", "reviews")
                .containsEntry("destination_workload", "unknown")
                .containsEntry("request_protocol", "http")
                .containsEntry("connection_security_policy", "none")
                .containsKeys("source_principal", "destination_principal", "destination_service_name",
                        "destination_service_namespace", "destination_workload_namespace", "grpc_response_status");
    }

    @Test
    void inboundIsReportedByTheDestination() {
        try (ProxyClient client = new ProxyClient(sidecar.inboundPort())) {
            assertThat(client.get("productpage", "/").status()).isEqualTo(200);
        }
        Map<String, String> labels = Map.of("reporter", "destination", "response_code", "200");
        PrometheusPage.Sample sample = scrapeUntil(p -> !p.series("istio_requests_total", labels).isEmpty())
                .series("istio_requests_total", labels).getFirst();
        assertThat(sample.labels()).containsEntry("destination_workload", "productpage-v1")
                .containsEntry("destination_workload_namespace", "shop")
                .containsEntry("destination_service", "productpage.shop.svc.cluster.local")
                .containsEntry("destination_service_name", "productpage")
                .containsEntry("destination_cluster", "inbound|" + app.port() + "||")
                .containsEntry("source_workload", "unknown");
    }

    @Test
    void durationBucketsAreIstios() {
        try (ProxyClient client = new ProxyClient(sidecar.outboundPort())) {
            client.get("reviews", "/ok");
        }
        Map<String, String> labels = Map.of("destination_cluster", "reviews", "response_code", "200");
        List<String> bounds = scrapeUntil(p -> !p.series("istio_request_duration_milliseconds_bucket", labels).isEmpty())
                .series("istio_request_duration_milliseconds_bucket", labels).stream()
                .map(s -> s.labels().get("le")).toList();
        assertThat(bounds).containsExactly("0.5", "1.0", "5.0", "10.0", "25.0", "50.0", "100.0", "250.0", "500.0",
                "1000.0", "2500.0", "5000.0", "10000.0", "30000.0", "60000.0", "300000.0", "600000.0", "1800000.0",
                "3600000.0", "+Inf");
    }

    @Test
    void outriggersOwnMetersArePublished() {
        try (ProxyClient client = new ProxyClient(sidecar.outboundPort())) {
            client.get("reviews", "/ok");
        }
        PrometheusPage page = scrapeUntil(p -> !p.series("outrigger_upstream_retries_total", Map.of("cluster", "reviews")).isEmpty());
        assertThat(page.sum("outrigger_config_version", Map.of())).isEqualTo(sidecar.snapshots().current().version());
        assertThat(page.sum("outrigger_config_reloads_total", Map.of("result", "applied"))).isGreaterThanOrEqualTo(1);
        assertThat(page.series("outrigger_listener_active_connections", Map.of("listener", "inbound"))).hasSize(1);
        assertThat(page.series("outrigger_upstream_retries_total", Map.of("cluster", "reviews"))).hasSize(1);
    }

    @Test
    void thePageParsesWithPromtool() throws Exception {
        Path promtool = Path.of("/usr/bin/promtool");
        Assumptions.assumeTrue(Files.isExecutable(promtool),
                "promtool not installed (Debian package 'prometheus'; .ci/run installs it): skipping the promtool check");
        try (ProxyClient client = new ProxyClient(sidecar.outboundPort())) {
            client.get("reviews", "/ok");
        }
        Path page = Files.createTempFile("outrigger-metrics", ".txt");
        try {
            Files.writeString(page, Admin.get(sidecar.adminPort(), "/actuator/prometheus").body());
            Process check = new ProcessBuilder(promtool.toString(), "check", "metrics")
                    .redirectInput(page.toFile()).redirectErrorStream(true).start();
            String output = new String(check.getInputStream().readAllBytes());
            assertThat(check.waitFor(30, TimeUnit.SECONDS)).isTrue();
            // 0: clean; 3: parsed, with lint findings only; 1: the page does not parse.
            assertThat(check.exitValue()).as(output).isIn(0, 3);
            assertThat(output).doesNotContain("error");
        } finally {
            Files.deleteIfExists(page);
        }
    }

    static PrometheusPage scrapeUntil(java.util.function.Predicate<PrometheusPage> done) {
        return PrometheusPage.scrapeUntil(sidecar.adminPort(), done);
    }

    private static double delta(PrometheusPage before, PrometheusPage after, String name, Map<String, String> labels) {
        return after.sum(name, labels) - before.sum(name, labels);
    }

}
