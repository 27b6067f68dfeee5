package io.outrigger.admin;

import java.nio.file.Files;
import java.nio.file.Path;

import io.outrigger.testing.Admin;
import io.outrigger.testing.RawHttp;
import io.outrigger.testing.Sidecar;
import io.outrigger.testing.TestPki;
import io.outrigger.testing.TestUpstream;
import org.junit.jupiter.api.Test;
import org.springframework.util.FileSystemUtils;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The probe rewrite end to end: the inbound port is STRICT, so the kubelet's plain-text probe to
 * the application's port is refused, while the same probe asked through the management port
 * ({@code /app-health/CONTAINER/KIND}, as the injector rewrites it) reaches the application.
 */
class AppHealthIT {

    @Test
    void anApplicationsReadinessProbeIsAnsweredThroughTheSidecarWhileTheInboundPortIsStrict() throws Exception {
        Path dir = Files.createTempDirectory("outrigger-app-health");
        try (TestUpstream app = TestUpstream.start("web")) {
            String identity = TestPki.ca("mesh").issue("spiffe://cluster.local/ns/shop/sa/web").writeTo(dir);
            // What the injector hands the sidecar: readiness on the application's port; liveness on a port nobody serves.
            String probes = """
                    {"web":{"readyz":{"port":%d,"path":"/ready","headers":{"X-Probe":"kubelet","Host":"web.example"},"timeoutSeconds":1},
                            "livez":{"port":1,"path":"/live","headers":{},"timeoutSeconds":1}}}
                    """.formatted(app.port());
            try (Sidecar sidecar = Sidecar.start("outrigger:\n" + identity + """
                      inbound: { app-port: %d, tls-mode: STRICT }
                    """.formatted(app.port()), "--OUTRIGGER_APP_PROBES=" + probes)) {
                assertThat(RawHttp.status(RawHttp.exchange(sidecar.inboundPort(), "GET /ready HTTP/1.1\r\nHost: web\r\n\r\n")))
                        .as("the kubelet's own probe, in plain text, to the STRICT port").isNotEqualTo(200);

                var ready = Admin.get(sidecar.adminPort(), "/app-health/web/readyz");
                assertThat(ready.statusCode()).isEqualTo(200);
                assertThat(app.last().uri()).isEqualTo("/ready");
                assertThat(app.last().headers().get("x-probe")).isEqualTo("kubelet");
                assertThat(app.last().headers().get("host")).as("a virtual-host probe's Host header").isEqualTo("web.example");

                var live = Admin.get(sidecar.adminPort(), "/app-health/web/livez");
                assertThat(live.statusCode()).isEqualTo(503);
                assertThat(live.body()).contains("did not answer");
                assertThat(Admin.get(sidecar.adminPort(), "/app-health/other/readyz").statusCode()).isEqualTo(404);
            }
        } finally {
            FileSystemUtils.deleteRecursively(dir.toFile());
        }
    }
}
