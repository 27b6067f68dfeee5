package io.outrigger.admin;

import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.outrigger.snapshot.ReloadResult;
import io.outrigger.testing.Admin;
import io.outrigger.testing.ProxyClient;
import io.outrigger.testing.Sidecar;
import io.outrigger.testing.TestUpstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** What an operator reads on the management port, all from the live snapshot. */
class AdminEndpointsIT {

    static TestUpstream upstream;
    static Sidecar sidecar;
    static int admin;

    static String config(String cluster) {
        return """
                outrigger:
                  routes:
                    - name: app
                      hosts: [ "app" ]
                      route: [ { cluster: %s } ]
                      timeout: 3s
                  clusters:
                    app: { endpoints: [ "%s" ], load-balancer: least-request }
                """.formatted(cluster, upstream.endpoint());
    }

    @BeforeAll
    static void start() {
        upstream = TestUpstream.start("app");
        sidecar = Sidecar.start(config("app"));
        admin = sidecar.adminPort();
    }

    @AfterAll
    static void stop() {
        sidecar.close();
        upstream.close();
    }

    @Test
    void readinessAndLivenessAreUp() {
        HttpResponse<String> readiness = Admin.get(admin, "/actuator/health/readiness");
        assertThat(readiness.statusCode()).isEqualTo(200);
        assertThat(readiness.body()).contains("\"listenersBound\":true").contains("\"draining\":false");
        assertThat(Admin.get(admin, "/actuator/health/liveness").statusCode()).isEqualTo(200);
    }

    @Test
    void infoHasVersionBuildTimeJavaAndConfigVersion() {
        String info = Admin.get(admin, "/actuator/info").body();
        assertThat(info).contains("\"version\":\"0.1.0-SNAPSHOT\"").contains("\"time\":")
                .contains("\"java\":").contains("\"config\":{\"version\":" + sidecar.snapshots().current().version());
    }

    @Test
    void routesShowTheLiveTableAndTheLastReload() {
        String routes = Admin.get(admin, "/actuator/routes").body();
        assertThat(routes).contains("\"hash\":\"" + sidecar.snapshots().current().hash() + "\"")
                .contains("\"name\":\"app\"").contains("\"timeout\":\"3s\"").contains("\"lastReload\":{");

        ReloadResult before = sidecar.snapshots().lastResult();
        sidecar.replaceConfig(config("missing"));
        sidecar.awaitReload(before, Duration.ofSeconds(5));
        String rejected = Admin.get(admin, "/actuator/routes").body();
        assertThat(rejected).contains("\"result\":\"rejected\"")
                .contains("outrigger.routes[0].route[0].cluster: unknown cluster 'missing'")
                .contains("\"version\":" + before.version());
        sidecar.awaitApplied(config("app"));
    }

    @Test
    void clustersShowEndpointsHealthAndPoolUse() {
        try (ProxyClient client = new ProxyClient(sidecar.outboundPort())) {
            assertThat(client.get("app", "/").status()).isEqualTo(200);
        }
        // The client may read the answer a moment before the proxy has handed the upstream
        // connection back to its pool: give it that moment.
        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20)).untilAsserted(() ->
                assertThat(Admin.get(admin, "/actuator/clusters").body()).contains("\"name\":\"app\"")
                        .contains("\"address\":\"" + upstream.endpoint() + "\"").contains("\"health\":\"HEALTHY\"")
                        .contains("\"ejected\":false").contains("\"load-balancer\":\"least-request\"").contains("\"idle\":1"));
    }

    @Test
    void listenersShowAddressesAndOpenConnections() throws Exception {
        try (Socket open = new Socket("127.0.0.1", sidecar.inboundPort())) {
            OutputStream out = open.getOutputStream();
            out.write("GET".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
                String listeners = Admin.get(admin, "/actuator/listeners").body();
                assertThat(listeners).contains("\"port\":" + sidecar.outboundPort()).contains("\"port\":" + sidecar.inboundPort())
                        .contains("\"state\":\"listening\"");
                assertThat(listeners).containsPattern("\"name\":\"inbound\"[^}]*\"activeConnections\":1,");
            });
        }
    }

    @Test
    void certsSayNoneConfigured() {
        assertThat(Admin.get(admin, "/actuator/certs").body()).contains("\"status\":\"none configured\"");
    }

    @Test
    void configDumpShowsTheWholeEffectiveConfigWithDefaults() {
        String dump = Admin.get(admin, "/actuator/configdump").body();
        assertThat(dump).contains("\"hash\":\"" + sidecar.snapshots().current().hash() + "\"")
                .contains("\"max-request-headers-size\":\"61440B\"").contains("\"mode\":\"allow-any\"")
                .contains("\"access-log\":{\"enabled\":true,\"format\":\"text\"}");
    }

    @Test
    void loggersChangeALevelAtRuntime() {
        assertThat(Admin.post(admin, "/actuator/loggers/io.outrigger.cluster", "{\"configuredLevel\":\"DEBUG\"}").statusCode())
                .isEqualTo(204);
        assertThat(Admin.get(admin, "/actuator/loggers/io.outrigger.cluster").body()).contains("\"configuredLevel\":\"DEBUG\"");
        Admin.post(admin, "/actuator/loggers/io.outrigger.cluster", "{\"configuredLevel\":null}");
    }

    @Test
    void refreshReloadsThroughTheSamePathAndAnswersWithTheResult() {
        HttpResponse<String> refresh = Admin.post(admin, "/actuator/refresh", null);
        assertThat(refresh.statusCode()).isEqualTo(200);
        assertThat(refresh.body()).contains("\"source\":\"refresh\"").contains("\"result\":\"unchanged\"");
    }

    @Test
    void prometheusIsExposed() {
        HttpResponse<String> page = Admin.get(admin, "/actuator/prometheus");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("outrigger_config_version").contains("jvm_memory_used_bytes")
                .contains("process_cpu_usage");
    }
}
