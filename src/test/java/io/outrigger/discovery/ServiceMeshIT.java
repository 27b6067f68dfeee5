package io.outrigger.discovery;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.outrigger.testing.Admin;
import io.outrigger.testing.MockApi;
import io.outrigger.testing.PodRuns;
import io.outrigger.testing.PrometheusPage;
import io.outrigger.testing.TestHosts;
import io.outrigger.testing.TestPki;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.util.FileSystemUtils;

import static io.outrigger.discovery.Slices.endpoint;
import static io.outrigger.discovery.Slices.service;
import static io.outrigger.discovery.Slices.slice;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Three pods in network namespaces, each with its iptables capture and Outrigger as uid 1337: a
 * client pod, and two pods of the Service {@code reviews} (each with its own service account). The
 * client's application calls the Service's ClusterIP, 198.18.19.19, which no host owns: its
 * sidecar, with no route and in registry-only mode, learns the Service, its EndpointSlice and its
 * pods from the (mock) API server, balances over both pods and reaches each with mutual TLS,
 * expecting the SPIFFE ID of that pod's own service account.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ServiceMeshIT {

    static final String CLIENT_ADMIN = "198.18.10.2";
    static final String CLUSTER_IP = "198.18.19.19";
    static final String V1 = "198.18.11.2";
    static final String V2 = "198.18.12.2";
    static final String FRONTEND = "spiffe://cluster.local/ns/shop/sa/frontend";
    static final String REVIEWS_V1 = "spiffe://cluster.local/ns/shop/sa/reviews-v1";
    static final String REVIEWS_V2 = "spiffe://cluster.local/ns/shop/sa/reviews-v2";

    static final List<AutoCloseable> pods = new ArrayList<>();
    static final List<Process> processes = new ArrayList<>();
    static TestHosts.TestNamespace client;
    static MockApi api;
    static KubernetesClient kube;
    static Path dir;
    static PodRuns runs;

    @BeforeAll
    static void start() throws Exception {
        TestHosts.assumePodsWithCapture(PodRuns.JAR);
        long id = ProcessHandle.current().pid() % 10000;
        client = pod(TestHosts.namespace("ormc" + id, "198.18.10.1", CLIENT_ADMIN));
        TestHosts.TestNamespace v1 = pod(TestHosts.namespace("ormv" + id, "198.18.13.1", "198.18.13.2"));
        TestHosts.TestNamespace v2 = pod(TestHosts.namespace("ormw" + id, "198.18.14.1", "198.18.14.2"));
        client.linkTo(v1, "198.18.11.1", V1);
        client.linkTo(v2, "198.18.12.1", V2);
        // The ClusterIP needs a route for connect() to begin; the capture redirects it before it leaves.
        client.exec("ip", "route", "add", "198.18.19.0/24", "via", "198.18.10.1");
        dir = Files.createTempDirectory("outrigger-mesh");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        runs = new PodRuns(dir);
        TestPki.Ca mesh = TestPki.ca("mesh");

        api = MockApi.startOn("198.18.10.1");
        kube = api.client();
        kube.services().inNamespace("shop").resource(service("shop", "reviews", CLUSTER_IP, "http", 80)).create();
        kube.discovery().v1().endpointSlices().inNamespace("shop").resource(slice("shop", "reviews-abc", "reviews", "http", 8080,
                endpoint(V1, "reviews-v1-0", true, null, null), endpoint(V2, "reviews-v2-0", true, null, null))).create();
        kube.pods().inNamespace("shop").resource(meshedPod("reviews-v1-0", "reviews-v1")).create();
        kube.pods().inNamespace("shop").resource(meshedPod("reviews-v2-0", "reviews-v2")).create();

        startServer(v1, "v1", mesh.issue(REVIEWS_V1));
        startServer(v2, "v2", mesh.issue(REVIEWS_V2));
        client.exec(PodRuns.INIT.toString());
        Files.writeString(dir.resolve("c.yaml"), "outrigger:\n" + mesh.issue(FRONTEND).writeTo(dir.resolve("c")) + """
                  outbound: { mode: registry-only }
                """);
        processes.add(runs.outrigger(client, "c",
                List.of("-Dkubernetes.auth.tryKubeConfig=false", "-Dkubernetes.auth.tryServiceAccount=false"), api.discovery("shop")));
        runs.awaitReady(CLIENT_ADMIN, "c");
        runs.awaitReady("198.18.13.2", "v1");
        runs.awaitReady("198.18.14.2", "v2");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(Admin.get(15020, CLIENT_ADMIN, "/actuator/clusters")
                .body()).as("both pods discovered, with their identities").contains(REVIEWS_V1, REVIEWS_V2));
    }

    static TestHosts.TestNamespace pod(TestHosts.TestNamespace namespace) {
        pods.add(namespace);
        return namespace;
    }

    static Pod meshedPod(String name, String serviceAccount) {
        return new PodBuilder().withNewMetadata().withNamespace("shop").withName(name)
                .addToLabels(ServiceCatalog.MESHED_LABEL, ServiceCatalog.MESHED_VALUE).endMetadata()
                .withNewSpec().withServiceAccountName(serviceAccount).endSpec().build();
    }

    static void startServer(TestHosts.TestNamespace pod, String name, TestPki.Svid identity) throws Exception {
        pod.exec(PodRuns.INIT.toString());
        Files.writeString(dir.resolve(name + ".yaml"), "outrigger:\n" + identity.writeTo(dir.resolve(name)) + """
                  inbound:
                    app-port: 8080
                    tls-mode: STRICT
                    authorization: { allow-principals: [ "%s" ] }
                """.formatted(FRONTEND));
        processes.add(runs.inPod(pod, name + "-echo.log", PodRuns.JDK + "/java", PodRuns.ECHO.toString(), "8080"));
        processes.add(runs.outrigger(pod, name));
    }

    @AfterAll
    static void stop() throws Exception {
        processes.forEach(Process::destroyForcibly);
        for (AutoCloseable pod : pods) {
            pod.close();
        }
        if (api != null) {
            api.close();
        }
        if (dir != null) {
            FileSystemUtils.deleteRecursively(dir.toFile());
        }
    }

    @Test
    @Order(1)
    void theApplicationsCallsToTheClusterIpReachBothPodsEachWithMutualTlsToItsOwnIdentity() {
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            bodies.add(call());
        }
        // Each answer says which sidecar served it (By=) and whom it saw calling (URI=).
        assertThat(bodies).allSatisfy(body -> assertThat(body).startsWith("xfcc=By=").endsWith(";URI=" + FRONTEND));
        assertThat(bodies).anySatisfy(body -> assertThat(body).startsWith("xfcc=By=" + REVIEWS_V1 + ";"));
        assertThat(bodies).anySatisfy(body -> assertThat(body).startsWith("xfcc=By=" + REVIEWS_V2 + ";"));
        assertThat(bodies.stream().filter(body -> body.startsWith("xfcc=By=" + REVIEWS_V1 + ";")).count())
                .as("round robin over the two pods").isEqualTo(10);

        PrometheusPage page = new PrometheusPage(Admin.get(15020, CLIENT_ADMIN, "/actuator/prometheus").body());
        for (String principal : List.of(REVIEWS_V1, REVIEWS_V2)) {
            assertThat(page.sum("istio_requests_total", Map.of("reporter", "source", "destination_principal", principal,
                    "destination_service", "reviews.shop.svc.cluster.local", "connection_security_policy", "mutual_tls",
                    "response_code", "200"))).isEqualTo(10);
        }
    }

    @Test
    @Order(2)
    void aPodWhoseCertificateIsNotItsServiceAccountsIsNeverSentARequest() {
        // The API now says reviews-v2-0 runs as "impostor"; its sidecar still presents reviews-v2.
        kube.pods().inNamespace("shop").resource(meshedPod("reviews-v2-0", "impostor")).update();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(Admin.get(15020, CLIENT_ADMIN, "/actuator/clusters")
                .body()).contains("spiffe://cluster.local/ns/shop/sa/impostor"));
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            bodies.add(call());
        }
        // The handshake with v2 fails the identity check: a connect failure, retried on v1.
        assertThat(bodies).allSatisfy(body -> assertThat(body).startsWith("xfcc=By=" + REVIEWS_V1 + ";"));
        PrometheusPage page = new PrometheusPage(Admin.get(15020, CLIENT_ADMIN, "/actuator/prometheus").body());
        assertThat(page.sum("outrigger_tls_handshake_failures_total", Map.of("direction", "outbound"))).isGreaterThanOrEqualTo(1);
    }

    static String call() {
        return client.exec("setpriv", "--reuid=1000", "--regid=1000", "--clear-groups", "curl", "-s", "-m", "10",
                "http://" + CLUSTER_IP + "/");
    }
}
