package io.outrigger.admin;

import java.net.http.HttpResponse;
import java.time.Duration;

import io.outrigger.snapshot.ReloadResult;
import io.outrigger.testing.Admin;
import io.outrigger.testing.ProxyClient;
import io.outrigger.testing.Sidecar;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A sidecar that starts on a broken config is live but not ready, until a valid edit arrives. */
class ReadinessWithoutValidConfigIT {

    @Test
    void notReadyUntilAValidConfigIsLive() {
        String broken = """
                outrigger:
                  routes:
                    - { name: app, hosts: [ app ], route: [ { cluster: nowhere } ] }
                """;
        try (Sidecar sidecar = Sidecar.start(broken)) {
            HttpResponse<String> readiness = Admin.get(sidecar.adminPort(), "/actuator/health/readiness");
            assertThat(readiness.statusCode()).isEqualTo(503);
            assertThat(readiness.body()).contains("unknown cluster 'nowhere'");
            assertThat(Admin.get(sidecar.adminPort(), "/actuator/health/liveness").statusCode()).isEqualTo(200);
            try (ProxyClient client = new ProxyClient(sidecar.outboundPort())) {
                ProxyClient.Response response = client.get("app", "/");
                assertThat(response.status()).isEqualTo(502);
                assertThat(response.body()).contains("no valid configuration");
            }
            java.util.Map<String, String> noRoute = java.util.Map.of("response_code", "502", "response_flags", "NR");
            assertThat(io.outrigger.testing.PrometheusPage.scrapeUntil(sidecar.adminPort(),
                    p -> p.sum("istio_requests_total", noRoute) >= 1).sum("istio_requests_total", noRoute))
                    .as("counted too").isEqualTo(1);

            ReloadResult before = sidecar.snapshots().lastResult();
            sidecar.replaceConfig("""
                    outrigger:
                      routes:
                        - { name: app, hosts: [ app ], route: [ { cluster: app } ] }
                      clusters:
                        app: { endpoints: [ "127.0.0.1:9" ] }
                    """);
            assertThat(sidecar.awaitReload(before, Duration.ofSeconds(5)).outcome()).isEqualTo(ReloadResult.Outcome.APPLIED);
            assertThat(Admin.get(sidecar.adminPort(), "/actuator/health/readiness").statusCode()).isEqualTo(200);
        }
    }
}
