package io.outrigger.injection;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.zjsonpatch.JsonPatch;
import io.outrigger.testing.Admin;
import io.outrigger.testing.PrometheusPage;
import io.outrigger.testing.TestPki;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.util.FileSystemUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The injector as Kubernetes calls it: AdmissionReviews POSTed over HTTPS (a certificate the test
 * makes, replaced while it runs), each patch applied with a JSON Patch library to the pod sent and
 * the result read back with fabric8's model; malformed and oversized bodies get a clear error and
 * the injector keeps answering.
 */
class InjectorIT {

    static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    static ConfigurableApplicationContext injector;
    static TestPki.Ca ca;
    static Path dir;
    static int port;
    static int management;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("outrigger-injector");
        ca = TestPki.ca("webhook");
        mount(ca.issue("spiffe://cluster.local/ns/outrigger-system/sa/outrigger-injector"), "..2026_12_04_01");
        port = freePort();
        management = freePort();
        Files.writeString(dir.resolve("template.yaml"), "outrigger: { injector: { image: \"registry.example/outrigger:1\" } }\n");
        injector = InjectorApplication.start("--server.port=" + port, "--management.server.port=" + management,
                "--outrigger.injector.template-file=" + dir.resolve("template.yaml"),
                "--spring.ssl.bundle.pem.webhook.keystore.certificate=file:" + dir.resolve("cert-chain.pem"),
                "--spring.ssl.bundle.pem.webhook.keystore.private-key=file:" + dir.resolve("key.pem"));
    }

    @AfterAll
    static void stop() {
        if (injector != null) {
            injector.close();
        }
        FileSystemUtils.deleteRecursively(dir.toFile());
    }

    /** A review as the API server sends it for a new pod of a Deployment's ReplicaSet. */
    static String review(String uid, String pod) {
        return """
                {"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","request":{"uid":"%s",
                 "kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},
                 "requestKind":{"group":"","version":"v1","kind":"Pod"},"requestResource":{"group":"","version":"v1","resource":"pods"},
                 "namespace":"shop","operation":"CREATE",
                 "userInfo":{"username":"system:serviceaccount:kube-system:replicaset-controller","uid":"8b6d","groups":["system:serviceaccounts","system:serviceaccounts:kube-system","system:authenticated"]},
                 "object":%s,"oldObject":null,"dryRun":false,
                 "options":{"kind":"CreateOptions","apiVersion":"meta.k8s.io/v1"}}}
                """.formatted(uid, pod);
    }

    static final String WEB = """
            {"kind":"Pod","apiVersion":"v1","metadata":{"generateName":"web-7d9f8-","namespace":"shop","labels":{"app":"web","pod-template-hash":"7d9f8"},
             "annotations":%s,
             "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-7d9f8","uid":"1f0c","controller":true,"blockOwnerDeletion":true}]},
             "spec":{"initContainers":[{"name":"migrate","image":"web:1","command":["migrate"]}],
              "containers":[{"name":"web","image":"web:1","ports":[{"name":"http","containerPort":8080,"protocol":"TCP"}],
               "readinessProbe":{"httpGet":{"path":"/ready","port":8080,"scheme":"HTTP"},"periodSeconds":5},
               "resources":{},"terminationMessagePath":"/dev/termination-log","imagePullPolicy":"IfNotPresent"},
               {"name":"worker","image":"worker:1","ports":[{"containerPort":9090,"protocol":"TCP"}]}],
              "restartPolicy":"Always","serviceAccountName":"web","securityContext":{}%s}}
            """;

    static String web(String annotations, String moreSpec) {
        return WEB.formatted(annotations, moreSpec);
    }

    @Test
    void aPodIsPatchedAndThePatchAppliedGivesOutriggerInIt() throws Exception {
        String pod = web("{}", "");
        AdmissionReview answer = SERIALIZATION.unmarshal(post(review("uid-1", pod)).body(), AdmissionReview.class);
        assertThat(answer.getResponse().getUid()).isEqualTo("uid-1");
        assertThat(answer.getResponse().getAllowed()).isTrue();
        assertThat(answer.getResponse().getPatchType()).isEqualTo("JSONPatch");
        Pod injected = apply(pod, answer.getResponse().getPatch());
        assertThat(injected.getSpec().getInitContainers()).extracting(Container::getName)
                .containsExactly("outrigger-init", "outrigger", "migrate");
        assertThat(String.join(" ", injected.getSpec().getInitContainers().getFirst().getCommand())).contains("--inbound-ports *");
        assertThat(injected.getSpec().getInitContainers().get(1).getRestartPolicy()).isEqualTo("Always");
        assertThat(injected.getSpec().getContainers()).extracting(Container::getName).containsExactly("web", "worker");
        // The HTTP readiness probe now asks the sidecar, which asks the application as the original did.
        assertThat(injected.getSpec().getContainers().getFirst().getReadinessProbe().getHttpGet().getPath())
                .isEqualTo("/app-health/web/readyz");
        assertThat(injected.getSpec().getContainers().getFirst().getReadinessProbe().getHttpGet().getPort().getIntVal()).isEqualTo(15020);
        assertThat(injected.getSpec().getContainers().getFirst().getReadinessProbe().getPeriodSeconds()).isEqualTo(5);
        assertThat(injected.getSpec().getInitContainers().get(1).getEnv()).anySatisfy(env -> {
            assertThat(env.getName()).isEqualTo("OUTRIGGER_APP_PROBES");
            assertThat(env.getValue()).isEqualTo("{\"web\":{\"readyz\":{\"port\":8080,\"path\":\"/ready\",\"headers\":{},\"timeoutSeconds\":1}}}");
        });
        assertThat(injected.getMetadata().getAnnotations()).containsKey("outrigger.io/status").containsEntry("prometheus.io/port", "15020");

        // A second review of the injected pod (reinvocation) patches nothing.
        AdmissionReview again = SERIALIZATION.unmarshal(post(review("uid-2", SERIALIZATION.asJson(injected))).body(), AdmissionReview.class);
        assertThat(again.getResponse().getAllowed()).isTrue();
        assertThat(again.getResponse().getPatch()).isNull();
    }

    @Test
    void optedOutAndHostNetworkPodsAreAdmittedUnchangedAndABadAnnotationIsRefusedWithItsName() throws Exception {
        for (String pod : new String[] {web("{\"outrigger.io/inject\":\"false\"}", ""), web("{}", ",\"hostNetwork\":true")}) {
            AdmissionReview answer = SERIALIZATION.unmarshal(post(review("uid-3", pod)).body(), AdmissionReview.class);
            assertThat(answer.getResponse().getAllowed()).isTrue();
            assertThat(answer.getResponse().getPatch()).isNull();
        }
        AdmissionReview refused = SERIALIZATION.unmarshal(post(review("uid-4",
                web("{\"traffic.outrigger.io/exclude-outbound-ports\":\"postgres\"}", ""))).body(), AdmissionReview.class);
        assertThat(refused.getResponse().getAllowed()).isFalse();
        assertThat(refused.getResponse().getStatus().getMessage()).contains("traffic.outrigger.io/exclude-outbound-ports", "postgres");
    }

    @Test
    void anExistingNativeSidecarStaysAfterOursAndTheSettingsFileIsReloadedWithoutARestart() throws Exception {
        String pod = web("{}", "").replace("\"initContainers\":[{\"name\":\"migrate\",\"image\":\"web:1\",\"command\":[\"migrate\"]}]",
                "\"initContainers\":[{\"name\":\"log-shipper\",\"image\":\"shipper:1\",\"restartPolicy\":\"Always\"}]");
        Pod injected = apply(pod, SERIALIZATION.unmarshal(post(review("uid-9", pod)).body(), AdmissionReview.class).getResponse().getPatch());
        assertThat(injected.getSpec().getInitContainers()).extracting(c -> c.getName() + " " + c.getImage())
                .containsExactly("outrigger-init registry.example/outrigger:1", "outrigger registry.example/outrigger:1",
                        "log-shipper shipper:1");

        Files.writeString(dir.resolve("template.yaml"), "outrigger: { injector: { image: \"registry.example/outrigger:2\" } }\n");
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> assertThat(apply(pod,
                SERIALIZATION.unmarshal(post(review("uid-10", pod)).body(), AdmissionReview.class).getResponse().getPatch())
                .getSpec().getInitContainers().getFirst().getImage()).isEqualTo("registry.example/outrigger:2"));

        // A bad edit is refused whole: the last good settings keep serving.
        Files.writeString(dir.resolve("template.yaml"),
                "outrigger: { injector: { image: \"registry.example/outrigger:3\", proxy-cpu: lots } }\n");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(new PrometheusPage(Admin.get(management,
                "/actuator/prometheus").body()).sum("outrigger_injector_template_reloads_total", Map.of("result", "rejected"))).isEqualTo(1));
        assertThat(apply(pod, SERIALIZATION.unmarshal(post(review("uid-11", pod)).body(), AdmissionReview.class).getResponse().getPatch())
                .getSpec().getInitContainers().getFirst().getImage()).isEqualTo("registry.example/outrigger:2");
    }

    @Test
    void badBodiesGetAClearErrorAndTheInjectorKeepsAnswering() throws Exception {
        assertThat(post("{not json").status()).isEqualTo(400);
        assertThat(post("{not json").body()).contains("not JSON of an AdmissionReview");
        assertThat(post("{\"kind\":\"Pod\",\"apiVersion\":\"v1\"}").body()).contains("expected kind AdmissionReview");
        assertThat(post(review("", web("{}", ""))).body()).contains("no request.uid");
        Response large = post(review("uid-8", web("{\"big\":\"" + "x".repeat(1024 * 1024) + "\"}", "")));
        assertThat(large.status()).as("a pod of 1 MiB, as Kubernetes allows").isEqualTo(200);
        Response huge = post(review("uid-5", web("{\"big\":\"" + "x".repeat(5 * 1024 * 1024) + "\"}", "")));
        assertThat(huge.status()).isBetween(400, 499);
        assertThat(post(review("uid-6", web("{}", ""))).status()).as("still answering").isEqualTo(200);
        PrometheusPage metrics = new PrometheusPage(Admin.get(management, "/actuator/prometheus").body());
        assertThat(metrics.sum("outrigger_injector_reviews_total", Map.of("result", "invalid"))).isGreaterThanOrEqualTo(3);
        assertThat(metrics.sum("outrigger_injector_reviews_total", Map.of("result", "injected"))).isGreaterThanOrEqualTo(1);
        assertThat(Admin.get(management, "/actuator/health/readiness").statusCode()).isEqualTo(200);
    }

    @Test
    void aRenewedCertificateIsServedWithoutARestart() throws Exception {
        TestPki.Svid renewed = ca.issue("spiffe://cluster.local/ns/outrigger-system/sa/outrigger-injector");
        mount(renewed, "..2026_12_04_02");   // as the kubelet renews a Secret volume: a new directory, ..data swapped
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                assertThat(serverCertificate().getSerialNumber()).isEqualTo(renewed.certificate().getSerialNumber()));
        assertThat(post(review("uid-7", web("{}", ""))).status()).isEqualTo(200);
    }

    /**
     * Writes a certificate as the kubelet lays out a Secret volume: the files in a timestamped
     * directory, {@code ..data} a symlink to it (replaced atomically), the names symlinks into {@code ..data}.
     */
    static void mount(TestPki.Svid svid, String version) throws Exception {
        svid.writeTo(dir.resolve(version));
        Path next = dir.resolve("..data_tmp");
        Files.deleteIfExists(next);
        Files.createSymbolicLink(next, Path.of(version));
        Files.move(next, dir.resolve("..data"), java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        for (String name : new String[] {"cert-chain.pem", "key.pem"}) {
            if (!Files.isSymbolicLink(dir.resolve(name))) {
                Files.createSymbolicLink(dir.resolve(name), Path.of("..data", name));
            }
        }
    }

    static Pod apply(String pod, String base64Patch) throws Exception {
        JsonNode patch = SERIALIZATION.unmarshal(new String(Base64.getDecoder().decode(base64Patch), StandardCharsets.UTF_8), JsonNode.class);
        JsonNode patched = JsonPatch.apply(patch, SERIALIZATION.unmarshal(pod, JsonNode.class));
        return SERIALIZATION.convertValue(patched, Pod.class);
    }

    record Response(int status, String body) {
    }

    /** One POST /inject over TLS trusting the test CA (the certificate names a SPIFFE ID, not a host: no name check). */
    static Response post(String body) throws Exception {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        try (SSLSocket socket = (SSLSocket) tls().getSocketFactory().createSocket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /inject HTTP/1.1\r\nHost: outrigger-injector\r\nContent-Type: application/json\r\nContent-Length: "
                    + bytes.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            try {
                out.write(bytes);
                out.flush();
            } catch (java.io.IOException refusedMidway) {
                // a server that answers an oversized body early may close before it is all sent
            }
            ByteArrayOutputStream response = new ByteArrayOutputStream();
            InputStream in = socket.getInputStream();
            try {
                in.transferTo(response);
            } catch (java.io.IOException reset) {
                // what was read before the close is the answer
            }
            String text = response.toString(StandardCharsets.UTF_8);
            int status = text.length() >= 12 ? Integer.parseInt(text.substring(9, 12)) : -1;
            String payload = text.contains("\r\n\r\n") ? text.substring(text.indexOf("\r\n\r\n") + 4) : "";
            if (text.toLowerCase().contains("transfer-encoding: chunked")) {
                payload = unchunk(payload);
            }
            return new Response(status, payload);
        }
    }

    static String unchunk(String chunked) {
        StringBuilder out = new StringBuilder();
        int at = 0;
        while (at < chunked.length()) {
            int lineEnd = chunked.indexOf("\r\n", at);
            int size = Integer.parseInt(chunked.substring(at, lineEnd).trim(), 16);
            if (size == 0) {
                break;
            }
            out.append(chunked, lineEnd + 2, lineEnd + 2 + size);
            at = lineEnd + 2 + size + 2;
        }
        return out.toString();
    }

    static X509Certificate serverCertificate() throws Exception {
        try (SSLSocket socket = (SSLSocket) tls().getSocketFactory().createSocket("127.0.0.1", port)) {
            socket.startHandshake();
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }

    static SSLContext tls() throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca.certificate());
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
    }

    static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
