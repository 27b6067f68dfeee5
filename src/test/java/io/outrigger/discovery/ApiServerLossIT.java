package io.outrigger.discovery;

import java.time.Duration;
import java.util.Map;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.outrigger.testing.Admin;
import io.outrigger.testing.MockApi;
import io.outrigger.testing.PrometheusPage;
import io.outrigger.testing.ProxyClient;
import io.outrigger.testing.Sidecar;
import io.outrigger.testing.TestUpstream;
import org.junit.jupiter.api.Test;

import static io.outrigger.discovery.Slices.endpoint;
import static io.outrigger.discovery.Slices.service;
import static io.outrigger.discovery.Slices.slice;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The API server goes away: the endpoints known keep serving (only the API saying so removes
 * them), {@code /actuator/health} stays UP and the pod stays ready.
 */
class ApiServerLossIT {

    @Test
    void theEndpointsKnownKeepServingAndThePodStaysReady() throws Exception {
        try (MockApi api = MockApi.start(); TestUpstream v1 = TestUpstream.start("v1")) {
            KubernetesClient kube = api.client();
            kube.services().inNamespace("shop").resource(service("shop", "reviews", "http", 9080)).create();
            kube.discovery().v1().endpointSlices().inNamespace("shop").resource(slice("shop", "reviews-a", "reviews", "http",
                    v1.port(), endpoint("127.0.0.1", "reviews-1", true, null, null))).create();
            try (Sidecar sidecar = Sidecar.start("outrigger: { access-log: { enabled: false } }", api.discovery("shop"));
                    ProxyClient client = new ProxyClient(sidecar.outboundPort())) {
                await().atMost(Duration.ofSeconds(10)).until(() -> client.get("reviews.shop:9080", "/").status() == 200);
                api.stopServer();
                // fabric8 retries a broken watch by itself, and says nothing until it gives up, so
                // there is no signal of the sidecar having noticed: the requests must keep
                // succeeding for a while after the API server went away.
                await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(8)).pollInterval(Duration.ofMillis(100))
                        .until(() -> {
                            ProxyClient.Response response = client.get("reviews.shop:9080", "/");
                            return response.status() == 200 && response.body().equals("v1");
                        });
                assertThat(new PrometheusPage(Admin.get(sidecar.adminPort(), "/actuator/prometheus").body())
                        .sum("outrigger_discovery_endpoints", Map.of())).as("the endpoints known are kept").isEqualTo(1);
                String health = Admin.get(sidecar.adminPort(), "/actuator/health").body();
                assertThat(health).containsPattern("\"discovery\":\\{\"details\":\\{[^{}]*\"endpoints\":1[^{}]*\\},\"status\":\"UP\"\\}");
                assertThat(Admin.get(sidecar.adminPort(), "/actuator/health/readiness").statusCode()).isEqualTo(200);
            }
        }
    }
}
