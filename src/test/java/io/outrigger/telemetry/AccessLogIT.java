package io.outrigger.telemetry;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

import io.outrigger.testing.PrometheusPage;
import io.outrigger.testing.ProxyClient;
import io.outrigger.testing.Sidecar;
import io.outrigger.testing.TestUpstream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** One line per request on stdout: Envoy-like text by default, JSON on request, or none. */
@ExtendWith(OutputCaptureExtension.class)
class AccessLogIT {

    static String config(TestUpstream upstream, String accessLog) {
        return """
                outrigger:
                  access-log: %s
                  routes:
                    - name: app-route
                      hosts: [ "app" ]
                      route: [ { cluster: app } ]
                  clusters:
                    app: { endpoints: [ "%s" ] }
                """.formatted(accessLog, upstream.endpoint());
    }

    @Test
    void theTextLineCarriesEveryField(CapturedOutput output) throws Exception {
        try (TestUpstream upstream = TestUpstream.start("app");
                Sidecar sidecar = Sidecar.start(config(upstream, "{ enabled: true }"));
                ProxyClient client = new ProxyClient(sidecar.outboundPort())) {
            io.netty.handler.codec.http.DefaultHttpHeaders headers = new io.netty.handler.codec.http.DefaultHttpHeaders();
            headers.set("x-request-id", "req-42");
            client.send(io.netty.handler.codec.http.HttpMethod.POST, "app", "/orders?id=7", "12345", headers);
            client.get("nowhere", "/x");
            String line = awaitLine(output, "req-42");
            assertThat(line).matches("\\[\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z] \"POST /orders\\?id=7 HTTP/1.1\" 200 - 5 3 \\d+ "
                    + "\"app\" \"" + upstream.endpoint() + "\" \"app\" \"app-route\" \"req-42\" \"-\" outbound \"-\"");
            String noRoute = awaitLine(output, "\"GET /x HTTP/1.1\" 502");
            assertThat(noRoute).contains(" 502 NR 0 ").contains("\"nowhere\" \"-\" \"-\" \"-\"");
        }
    }

    @Test
    void jsonCarriesTheSameFieldsByName(CapturedOutput output) throws Exception {
        try (TestUpstream upstream = TestUpstream.start("app");
                Sidecar sidecar = Sidecar.start(config(upstream, "{ format: json }"));
                ProxyClient client = new ProxyClient(sidecar.outboundPort())) {
            client.get("app", "/json-probe");
            String line = awaitLine(output, "/json-probe");
            assertThat(line).startsWith("{\"start_time\":\"").endsWith("\"direction\":\"outbound\"}")
                    .contains("\"method\":\"GET\"", "\"path\":\"/json-probe\"", "\"response_code\":200",
                            "\"response_flags\":\"-\"", "\"upstream_cluster\":\"app\"", "\"route_name\":\"app-route\"",
                            "\"peer_principal\":null", "\"requested_server_name\":null");
        }
    }

    @Test
    void theOffSwitchWritesNothing(CapturedOutput output) throws Exception {
        try (TestUpstream upstream = TestUpstream.start("app");
                Sidecar sidecar = Sidecar.start(config(upstream, "{ enabled: false }"));
                ProxyClient client = new ProxyClient(sidecar.outboundPort())) {
            assertThat(client.get("app", "/silent-probe").status()).isEqualTo(200);
            // Counted once the exchange is over, when its line (had there been one) is queued too.
            PrometheusPage.scrapeUntil(sidecar.adminPort(), p -> p.sum("istio_requests_total", Map.of()) == 1);
            // The writer thread that would print a queued line gives no sign that it has: watch
            // stdout for a while instead of looking once.
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                    .untilAsserted(() -> assertThat(output.getOut()).doesNotContain("/silent-probe"));
        }
    }

    private static String awaitLine(CapturedOutput output, String marker) {
        return await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                .alias("no access-log line with " + marker)
                .until(() -> Arrays.stream(output.getOut().split("\n"))
                        .filter(line -> line.contains(marker) && (line.startsWith("[") || line.startsWith("{")))
                        .findFirst(), Optional::isPresent)
                .orElseThrow();
    }
}
