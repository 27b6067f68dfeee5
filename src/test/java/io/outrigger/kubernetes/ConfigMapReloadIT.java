package io.outrigger.kubernetes;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.outrigger.snapshot.ReloadResult;
import io.outrigger.testing.Admin;
import io.outrigger.testing.PrometheusPage;
import io.outrigger.testing.ProxyClient;
import io.outrigger.testing.Sidecar;
import io.outrigger.testing.TestUpstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Routes from a ConfigMap, against the fabric8 Kubernetes mock API server in CRUD mode: Spring
 * Cloud Kubernetes watches the ConfigMap and refreshes; Outrigger validates and swaps, refuses a
 * bad edit (with a Warning Event on the pod), and keeps its routes when the ConfigMap is deleted.
 */
class ConfigMapReloadIT {

    static final String NAMESPACE = "shop";
    static final String POD = "checkout-5d8f7-x2k9q";

    static KubernetesMockServer api;
    static KubernetesClient kube;

    TestUpstream v1;
    TestUpstream v2;

    @BeforeAll
    static void startApi() {
        api = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(List.of()), false);
        api.init();
        kube = api.createClient();
        // The client Spring Cloud Kubernetes builds must not find this machine's kubeconfig.
        System.setProperty("kubernetes.auth.tryKubeConfig", "false");
        System.setProperty("kubernetes.auth.tryServiceAccount", "false");
    }

    @AfterAll
    static void stopApi() {
        kube.close();
        api.destroy();
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
        kube.configMaps().inNamespace(NAMESPACE).withName("outrigger").delete();
        kube.v1().events().inNamespace(NAMESPACE).delete();
    }

    Sidecar sidecar() {
        return Sidecar.start("outrigger: { access-log: { enabled: false } }",
                "--spring.main.cloud-platform=KUBERNETES",
                "--spring.cloud.kubernetes.client.master-url=" + api.url("/"),
                "--spring.cloud.kubernetes.client.namespace=" + NAMESPACE,
                "--spring.cloud.kubernetes.client.trust-certs=true",
                "--outrigger.identity.pod=" + POD);
    }

    static String routes(String cluster, String header) {
        return """
                outrigger:
                  routes:
                    - name: shop
                      hosts: [ "shop" ]
                      route: [ { cluster: %s } ]
                      headers: { response: { set: { x-edit: "%s" } } }
                  clusters:
                    v1: { endpoints: [ "%s" ] }
                    v2: { endpoints: [ "%s" ] }
                """.formatted(cluster, header, "%s", "%s");
    }

    String routes(String cluster, String header, boolean valid) {
        String yaml = routes(cluster, header).formatted(v1.endpoint(), v2.endpoint());
        return valid ? yaml : yaml.replace("cluster: " + cluster, "cluster: no-such-cluster");
    }

    void putConfigMap(String yaml) {
        ConfigMap configMap = new ConfigMapBuilder().withNewMetadata().withName("outrigger").withNamespace(NAMESPACE).endMetadata()
                .withData(Map.of("application.yaml", yaml)).build();
        kube.configMaps().inNamespace(NAMESPACE).resource(configMap).createOr(io.fabric8.kubernetes.client.dsl.NonDeletingOperation::update);
    }

    /** Milliseconds until {@code host} answers with {@code body}, polling; fails after 10 s. */
    static long awaitServed(ProxyClient client, String body) {
        long start = System.nanoTime();
        await().atMost(Duration.ofSeconds(10)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10))
                .alias("the route did not change to " + body)
                .until(() -> body.equals(client.get("shop", "/").body()));
        return Duration.ofNanos(System.nanoTime() - start).toMillis();
    }

    @Test
    void aConfigMapIsCreatedEditedRefusedAndDeletedWhileTheRoutesKeepServing() throws Exception {
        try (Sidecar sidecar = sidecar(); ProxyClient client = new ProxyClient(sidecar.outboundPort())) {
            assertThat(client.get("shop", "/").status()).isEqualTo(502);   // no ConfigMap yet: no route

            putConfigMap(routes("v1", "one", true));
            long created = awaitServed(client, "v1");
            putConfigMap(routes("v2", "two", true));
            long edited = awaitServed(client, "v2");
            System.out.printf("ConfigMap created: served after %d ms; edited: served after %d ms%n", created, edited);
            assertThat(edited).as("an edit serves within 2 s").isLessThan(2000);
            assertThat(sidecar.snapshots().lastResult().source()).isEqualTo("configmap");

            ReloadResult beforeBadEdit = sidecar.snapshots().lastResult();
            putConfigMap(routes("v1", "three", false));
            ReloadResult refused = sidecar.awaitReload(beforeBadEdit, Duration.ofSeconds(10));
            assertThat(refused.outcome()).isEqualTo(ReloadResult.Outcome.REJECTED);
            assertThat(refused.errors()).anyMatch(e -> e.contains("outrigger.routes[0].route[0].cluster") && e.contains("no-such-cluster"));
            assertThat(client.get("shop", "/").body()).isEqualTo("v2");
            assertThat(Admin.get(sidecar.adminPort(), "/actuator/routes").body()).contains("no-such-cluster");
            Event event = awaitEvent();
            assertThat(event.getType()).isEqualTo("Warning");
            assertThat(event.getInvolvedObject().getKind()).isEqualTo("Pod");
            assertThat(event.getInvolvedObject().getName()).isEqualTo(POD);
            assertThat(event.getMessage()).contains("outrigger.routes[0].route[0].cluster").contains("no-such-cluster");

            // Not YAML at all: refused with the parser's words, the routes unchanged.
            ReloadResult beforeBadYaml = sidecar.snapshots().lastResult();
            putConfigMap("outrigger:\n  routes: [ { name: broken\n");
            ReloadResult badYaml = sidecar.awaitReload(beforeBadYaml, Duration.ofSeconds(10));
            assertThat(badYaml.outcome()).isEqualTo(ReloadResult.Outcome.REJECTED);
            assertThat(badYaml.errors()).anyMatch(e -> e.contains("is not valid YAML") && e.contains("line"));
            assertThat(client.get("shop", "/").body()).isEqualTo("v2");

            ReloadResult beforeDelete = sidecar.snapshots().lastResult();
            kube.configMaps().inNamespace(NAMESPACE).withName("outrigger").delete();
            ReloadResult afterDelete = sidecar.awaitReload(beforeDelete, Duration.ofSeconds(10));
            assertThat(afterDelete.outcome()).isEqualTo(ReloadResult.Outcome.REJECTED);
            assertThat(afterDelete.errors()).anyMatch(e -> e.contains("was deleted"));
            assertThat(client.get("shop", "/").body()).as("a deleted ConfigMap keeps the routes").isEqualTo("v2");

            putConfigMap(routes("v1", "back", true));
            awaitServed(client, "v1");
        }
    }

    @Test
    void tenEditsUnderContinuousLoadLoseNoRequest() throws Exception {
        putConfigMap(routes("v1", "0", true));
        try (Sidecar sidecar = sidecar()) {
            long httpClientThreads = httpClientThreads();
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicInteger served = new AtomicInteger();
            List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            AtomicReference<String> lastEdit = new AtomicReference<>("0");
            List<Thread> clients = new ArrayList<>();
            for (int c = 0; c < 3; c++) {
                clients.add(Thread.ofPlatform().start(() -> {
                    try (ProxyClient client = new ProxyClient(sidecar.outboundPort())) {
                        while (running.get()) {
                            ProxyClient.Response response = client.get("shop", "/");
                            if (response.status() != 200) {
                                failures.add(response.status() + " " + response.body());
                            } else {
                                served.incrementAndGet();
                                lastEdit.set(response.header("x-edit"));
                            }
                        }
                    } catch (RuntimeException e) {
                        failures.add(e.toString());
                    }
                }));
            }
            for (int edit = 1; edit <= 10; edit++) {
                putConfigMap(routes(edit % 2 == 0 ? "v1" : "v2", Integer.toString(edit), true));
                int current = edit;
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10)).untilAsserted(() ->
                        assertThat(lastEdit.get()).as("edit %d served", current).isEqualTo(Integer.toString(current)));
            }
            running.set(false);
            for (Thread client : clients) {
                client.join();
            }
            System.out.printf("10 ConfigMap edits under load: %d requests served, %d failed%n", served.get(), failures.size());
            assertThat(failures).isEmpty();
            assertThat(httpClientThreads()).as("no Kubernetes client made (and left running) per edit")
                    .isLessThanOrEqualTo(httpClientThreads + 1);
            assertThat(served.get()).isGreaterThan(100);
        }
    }

    @Test
    void anUnreachableApiServerLeavesTheLocalConfigServingUntilItAnswers() throws Exception {
        int port;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        String local = """
                outrigger:
                  routes: [ { name: shop, hosts: [ shop ], route: [ { cluster: v1 } ] } ]
                  clusters: { v1: { endpoints: [ "%s" ] } }
                """.formatted(v1.endpoint());
        try (Sidecar sidecar = Sidecar.start(local,
                "--spring.main.cloud-platform=KUBERNETES",
                "--spring.cloud.kubernetes.client.master-url=http://127.0.0.1:" + port,
                "--spring.cloud.kubernetes.client.namespace=" + NAMESPACE,
                "--outrigger.identity.pod=" + POD);
                ProxyClient client = new ProxyClient(sidecar.outboundPort())) {
            // Started with no API server at all: the local config serves and the sidecar is ready.
            assertThat(client.get("shop", "/").body()).isEqualTo("v1");
            assertThat(Admin.get(sidecar.adminPort(), "/actuator/health/readiness").statusCode()).isEqualTo(200);
            PrometheusPage down = PrometheusPage.scrapeUntil(sidecar.adminPort(),
                    p -> p.sum("outrigger_config_watch_failures_total", Map.of()) > 0);
            assertThat(down.sum("outrigger_config_watch_failures_total", Map.of())).isPositive();
            assertThat(down.sum("outrigger_config_watch_connected", Map.of())).isZero();

            // The API server comes up with the ConfigMap: the watch, retrying, finds it and it applies.
            KubernetesMockServer late = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                    new KubernetesCrudDispatcher(List.of()), false);
            late.init(java.net.InetAddress.getByName("127.0.0.1"), port);
            try (KubernetesClient lateKube = late.createClient()) {
                ConfigMap configMap = new ConfigMapBuilder().withNewMetadata().withName("outrigger").withNamespace(NAMESPACE).endMetadata()
                        .withData(Map.of("application.yaml", routes("v2", "late", true).formatted(v1.endpoint(), v2.endpoint()))).build();
                lateKube.configMaps().inNamespace(NAMESPACE).resource(configMap).create();
                long start = System.nanoTime();
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                        .untilAsserted(() -> assertThat(client.get("shop", "/").body()).isEqualTo("v2"));
                System.out.printf("API server up after start: ConfigMap served after %d ms%n", (System.nanoTime() - start) / 1_000_000);
                assertThat(PrometheusPage.scrapeUntil(sidecar.adminPort(), p -> p.sum("outrigger_config_watch_connected", Map.of()) == 1)
                        .sum("outrigger_config_watch_connected", Map.of())).isEqualTo(1);
            } finally {
                late.destroy();
            }
            // And gone again: once the sidecar has seen its watch close, the last good routes keep serving.
            await().atMost(Duration.ofSeconds(30)).until(() -> new PrometheusPage(Admin.get(sidecar.adminPort(), "/actuator/prometheus")
                    .body()).sum("outrigger_config_watch_connected", Map.of()) == 0);
            assertThat(client.get("shop", "/").body()).isEqualTo("v2");
        }
    }

    /** Threads of JDK HTTP clients (each fabric8 client with the JDK transport has one). */
    static long httpClientThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().contains("SelectorManager")).count();
    }

    static Event awaitEvent() {
        return await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .alias("no " + RejectionEvents.REASON + " event was posted")
                .until(() -> kube.v1().events().inNamespace(NAMESPACE).list().getItems().stream()
                        .filter(e -> RejectionEvents.REASON.equals(e.getReason())).toList(), events -> !events.isEmpty())
                .getFirst();
    }
}
