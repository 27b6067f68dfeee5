package io.outrigger.discovery;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.outrigger.cluster.AddressResolver;
import io.outrigger.testing.Admin;
import io.outrigger.testing.MockApi;
import io.outrigger.testing.PrometheusPage;
import io.outrigger.testing.ProxyClient;
import io.outrigger.testing.Sidecar;
import io.outrigger.testing.TestUpstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static io.outrigger.discovery.Slices.endpoint;
import static io.outrigger.discovery.Slices.service;
import static io.outrigger.discovery.Slices.slice;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Services and EndpointSlices from the fabric8 mock API server (CRUD mode) as clusters reachable
 * with no route at all; endpoints come and go, and go through terminating, under continuous load
 * with no failed request while a ready or serving endpoint exists.
 */
class DiscoveryIT {

    static final String NAMESPACE = "shop";
    static final String CLUSTER = "outbound|9080||reviews.shop.svc.cluster.local";

    static MockApi api;
    static KubernetesClient kube;

    TestUpstream v1;
    TestUpstream v2;

    @BeforeAll
    static void startApi() {
        api = MockApi.start();
        kube = api.client();
    }

    @AfterAll
    static void stopApi() {
        api.close();
    }

    @BeforeEach
    void upstreams() {
        v1 = TestUpstream.start("v1");
        v2 = TestUpstream.start("v2");
    }

    @AfterEach
    void clean() {
        v1.close();
        v2.close();
        kube.services().inNamespace(NAMESPACE).delete();
        kube.discovery().v1().endpointSlices().inNamespace(NAMESPACE).delete();
    }

    Sidecar sidecar() {
        return Sidecar.start("outrigger: { access-log: { enabled: false } }", api.discovery(NAMESPACE));
    }

    static void put(EndpointSlice slice) {
        kube.discovery().v1().endpointSlices().inNamespace(NAMESPACE).resource(slice).createOr(NonDeletingOperation::update);
    }

    static EndpointSlice sliceOf(String name, TestUpstream upstream, Boolean ready, Boolean serving, Boolean terminating) {
        return slice(NAMESPACE, name, "reviews", "http", upstream.port(),
                endpoint("127.0.0.1", "reviews-" + upstream.name(), ready, serving, terminating));
    }

    @Test
    void aServiceIsReachableByItsNamesWithNoRouteAndListedWithItsEndpoints() throws Exception {
        try (Sidecar sidecar = sidecar(); ProxyClient client = new ProxyClient(sidecar.outboundPort())) {
            assertThat(client.get("reviews.shop:9080", "/").status()).as("no Service yet: no route").isEqualTo(502);
            kube.services().inNamespace(NAMESPACE).resource(service(NAMESPACE, "reviews", "http", 9080)).create();
            put(sliceOf("reviews-a", v1, true, true, false));
            await().atMost(Duration.ofSeconds(10)).until(() -> client.get("reviews.shop:9080", "/").status() == 200);
            for (String host : List.of("reviews", "reviews:9080", "reviews.shop", "reviews.shop.svc",
                    "reviews.shop.svc.cluster.local:9080")) {
                ProxyClient.Response response = client.get(host, "/");
                assertThat(response.status()).as(host).isEqualTo(200);
                assertThat(response.body()).as(host).isEqualTo("v1");
            }
            assertThat(client.get("reviews.elsewhere", "/").status()).as("another namespace's name").isEqualTo(502);
            String clusters = Admin.get(sidecar.adminPort(), "/actuator/clusters").body();
            assertThat(clusters).contains("\"name\":\"" + CLUSTER + "\"", "\"pod\":\"reviews-v1\"", "\"zone\":\"zone-a\"",
                    "\"state\":\"READY\"");
            String metrics = Admin.get(sidecar.adminPort(), "/actuator/prometheus").body();
            assertThat(metrics).contains("destination_service=\"reviews.shop.svc.cluster.local\"",
                    "destination_service_name=\"reviews\"", "destination_service_namespace=\"shop\"");
            PrometheusPage page = PrometheusPage.scrapeUntil(sidecar.adminPort(),
                    p -> p.sum("outrigger_discovery_endpoints", Map.of()) == 1);
            assertThat(page.sum("outrigger_discovery_services", Map.of())).isEqualTo(1);
            assertThat(page.sum("outrigger_discovery_watch_connected", Map.of())).isEqualTo(1);
            assertThat(page.sum("outrigger_discovery_watch_failures_total", Map.of())).isZero();
            String health = Admin.get(sidecar.adminPort(), "/actuator/health").body();
            assertThat(health).contains("\"discovery\":{\"details\":{\"services\":1,\"endpoints\":1,\"watching\":true},\"status\":\"UP\"}");
        }
    }

    @Test
    void theZoneOfThePodsNodeIsPreferredUntilNoEndpointThereIsReady() throws Exception {
        kube.nodes().resource(new NodeBuilder().withNewMetadata().withName("node-1")
                .addToLabels("topology.kubernetes.io/zone", "zone-b").endMetadata().build()).createOr(NonDeletingOperation::update);
        kube.services().inNamespace(NAMESPACE).resource(service(NAMESPACE, "reviews", "http", 9080)).create();
        put(sliceOf("reviews-a", v1, true, true, false));
        EndpointSlice inZoneB = sliceOf("reviews-b", v2, true, true, false);
        inZoneB.getEndpoints().getFirst().setZone("zone-b");
        put(inZoneB);
        try (Sidecar sidecar = Sidecar.start("outrigger: { access-log: { enabled: false } }",
                api.discovery(NAMESPACE, "--outrigger.identity.node=node-1"));
                ProxyClient client = new ProxyClient(sidecar.outboundPort())) {
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(Admin.get(sidecar.adminPort(),
                    "/actuator/clusters").body()).contains("\"zone\":\"zone-b\",\"state\":\"READY\",\"local\":true"));
            for (int i = 0; i < 10; i++) {
                assertThat(client.get("reviews.shop:9080", "/").body()).as("zone-b, as node-1 is").isEqualTo("v2");
            }
            inZoneB.getEndpoints().getFirst().getConditions().setReady(false);
            inZoneB.getEndpoints().getFirst().getConditions().setServing(false);
            put(inZoneB);
            await().atMost(Duration.ofSeconds(10)).until(() -> client.get("reviews.shop:9080", "/").body().equals("v1"));
            for (int i = 0; i < 10; i++) {
                assertThat(client.get("reviews.shop:9080", "/").body()).as("none ready in zone-b: zone-a serves").isEqualTo("v1");
            }
        } finally {
            kube.nodes().withName("node-1").delete();
        }
    }

    @Test
    void endpointsComeGoAndTerminateUnderLoadWithoutAFailedRequest() throws Exception {
        kube.services().inNamespace(NAMESPACE).resource(service(NAMESPACE, "reviews", "http", 9080)).create();
        put(sliceOf("reviews-a", v1, true, true, false));
        try (Sidecar sidecar = sidecar(); ProxyClient client = new ProxyClient(sidecar.outboundPort())) {
            await().atMost(Duration.ofSeconds(10)).until(() -> client.get("reviews.shop:9080", "/").status() == 200);
            Map<String, AtomicInteger> answers = new ConcurrentHashMap<>();
            AtomicBoolean running = new AtomicBoolean(true);
            Thread load = Thread.ofPlatform().start(() -> {
                try (ProxyClient loadClient = new ProxyClient(sidecar.outboundPort())) {
                    while (running.get()) {
                        String key;
                        try {
                            ProxyClient.Response response = loadClient.get("reviews.shop:9080", "/");
                            key = response.status() == 200 ? response.body() : "status " + response.status();
                        } catch (RuntimeException e) {
                            key = "error " + e;
                        }
                        answers.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
                    }
                }
            });
            try {
                // Scale up: v2 joins and takes a share.
                put(sliceOf("reviews-b", v2, true, true, false));
                int v2Before = v2.requests();
                await().atMost(Duration.ofSeconds(10)).until(() -> v2.requests() > v2Before + 20);
                // Rolling update: v1 terminates (still serving) while v2 is ready: v1 gets nothing new.
                put(sliceOf("reviews-a", v1, false, true, true));
                await().atMost(Duration.ofSeconds(10)).until(() -> clustersShow(sidecar, "\"state\":\"READY\"", 1));
                int v2Mark = v2.requests();
                await().atMost(Duration.ofSeconds(10)).until(() -> v2.requests() > v2Mark + 2);   // past any request that chose v1 before
                int v1Quiet = v1.requests();
                int v2Now = v2.requests();
                await().atMost(Duration.ofSeconds(10)).until(() -> v2.requests() > v2Now + 50);
                assertThat(v1.requests()).as("a terminating endpoint takes no traffic while a ready one exists").isEqualTo(v1Quiet);
                // v2 goes away: the terminating v1 is all that is left, and serves again.
                kube.discovery().v1().endpointSlices().inNamespace(NAMESPACE).withName("reviews-b").delete();
                await().atMost(Duration.ofSeconds(10)).until(() -> v1.requests() > v1Quiet + 20);
                // v2 is back, ready.
                put(sliceOf("reviews-b", v2, true, true, false));
                int v2Back = v2.requests();
                await().atMost(Duration.ofSeconds(10)).until(() -> v2.requests() > v2Back + 20);
            } finally {
                running.set(false);
                load.join();
            }
            assertThat(answers.keySet()).as("every answer during the changes: %s", answers).containsOnly("v1", "v2");
        }
    }

    static boolean clustersShow(Sidecar sidecar, String text, int times) {
        String body = Admin.get(sidecar.adminPort(), "/actuator/clusters").body();
        int at = body.indexOf(CLUSTER);
        String cluster = at < 0 ? "" : body.substring(at);
        int next = cluster.indexOf("\"name\":", 10);
        cluster = next < 0 ? cluster : cluster.substring(0, next);
        return cluster.split(Pattern.quote(text), -1).length - 1 == times;
    }

    @Test
    void aServiceThatGoesAwayTakesItsClusterWithItAndARouteStillWins() throws Exception {
        kube.services().inNamespace(NAMESPACE).resource(service(NAMESPACE, "reviews", "http", 9080)).create();
        put(sliceOf("reviews-a", v1, true, true, false));
        String routes = """
                outrigger:
                  access-log: { enabled: false }
                  routes: [ { name: pinned, hosts: [ "reviews.shop:9080" ], match: [ { headers: { x-pin: { exact: "v2" } } } ], route: [ { cluster: v2 } ] } ]
                  clusters: { v2: { endpoints: [ "%s" ] } }
                """.formatted(v2.endpoint());
        try (Sidecar sidecar = Sidecar.start(routes, api.discovery(NAMESPACE));
                ProxyClient client = new ProxyClient(sidecar.outboundPort())) {
            await().atMost(Duration.ofSeconds(10)).until(() -> client.get("reviews.shop:9080", "/").status() == 200);
            HttpHeaders pin = new DefaultHttpHeaders().set("x-pin", "v2");
            assertThat(client.send(HttpMethod.GET, "reviews.shop:9080", "/", null, pin).body())
                    .as("a matching route wins").isEqualTo("v2");
            kube.services().inNamespace(NAMESPACE).withName("reviews").delete();
            await().atMost(Duration.ofSeconds(10)).until(() -> client.get("reviews.shop:9080", "/").status() == 502);
            assertThat(Admin.get(sidecar.adminPort(), "/actuator/clusters").body()).doesNotContain(CLUSTER);
        }
    }

    @Test
    void aCanaryIsTwoServicesWeightedAndAServiceNamedBeforeItExistsServesOnceItDoes() throws Exception {
        kube.services().inNamespace(NAMESPACE).resource(service(NAMESPACE, "reviews-v1", "http", 9080)).create();
        put(slice(NAMESPACE, "reviews-v1-a", "reviews-v1", "http", v1.port(), endpoint("127.0.0.1", "reviews-v1-0", true, null, null)));
        String routes = """
                outrigger:
                  access-log: { enabled: false }
                  routes:
                    - name: reviews
                      hosts: [ "reviews.example" ]
                      route:
                        - { service: reviews-v1, port: 9080, weight: 50 }
                        - { service: reviews-v2.shop, port: 9080, weight: 50 }
                """;
        try (Sidecar sidecar = Sidecar.start(routes, api.discovery(NAMESPACE));
                ProxyClient client = new ProxyClient(sidecar.outboundPort())) {
            await().atMost(Duration.ofSeconds(10)).until(() -> client.get("reviews.example", "/").status() == 200);
            Map<String, Integer> before = new HashMap<>();
            for (int i = 0; i < 40; i++) {
                ProxyClient.Response response = client.get("reviews.example", "/");
                before.merge(response.status() == 200 ? response.body() : "status " + response.status(), 1, Integer::sum);
            }
            assertThat(before).as("reviews-v2 does not exist yet: its half gets 503 UH").containsOnlyKeys("v1", "status 503");
            kube.services().inNamespace(NAMESPACE).resource(service(NAMESPACE, "reviews-v2", "http", 9080)).create();
            put(slice(NAMESPACE, "reviews-v2-a", "reviews-v2", "http", v2.port(), endpoint("127.0.0.1", "reviews-v2-0", true, null, null)));
            int v2Before = v2.requests();
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                client.get("reviews.example", "/");
                return v2.requests() > v2Before;
            });
            Map<String, Integer> after = new HashMap<>();
            for (int i = 0; i < 100; i++) {
                ProxyClient.Response response = client.get("reviews.example", "/");
                after.merge(response.status() == 200 ? response.body() : "status " + response.status(), 1, Integer::sum);
            }
            assertThat(after).containsOnlyKeys("v1", "v2");
            assertThat(after.get("v1")).as("a 50/50 split over 100 requests").isBetween(20, 80);
        }
    }

    /** Resolves the test's external name to loopback, where the upstream listens. */
    @Configuration(proxyBeanMethods = false)
    static class ExternalDns {
        @Bean
        AddressResolver addressResolver() {
            return host -> {
                if (host.equals("payments.example.com")) {
                    return new InetAddress[] {InetAddress.getLoopbackAddress()};
                }
                throw new UnknownHostException(host);
            };
        }
    }

    @Test
    void anExternalNameServiceIsADnsClusterOfItsExternalName() throws Exception {
        Service payments = service(NAMESPACE, "payments", "https", v1.port());
        payments.getSpec().setType("ExternalName");
        payments.getSpec().setClusterIP(null);
        payments.getSpec().setExternalName("payments.example.com");
        kube.services().inNamespace(NAMESPACE).resource(payments).create();
        try (Sidecar sidecar = Sidecar.start("outrigger: { access-log: { enabled: false } }", api.discovery(NAMESPACE,
                "--spring.main.sources=" + ExternalDns.class.getName(), "--spring.main.allow-bean-definition-overriding=true"));
                ProxyClient client = new ProxyClient(sidecar.outboundPort())) {
            await().atMost(Duration.ofSeconds(10)).until(() -> client.get("payments.shop:" + v1.port(), "/").status() == 200);
            assertThat(client.get("payments", "/").body()).as("a single-port Service needs no port").isEqualTo("v1");
            assertThat(Admin.get(sidecar.adminPort(), "/actuator/clusters").body())
                    .contains("outbound|" + v1.port() + "||payments.shop.svc.cluster.local", "payments.example.com:" + v1.port());
        }
    }
}
