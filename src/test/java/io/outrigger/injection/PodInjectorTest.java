package io.outrigger.injection;

import java.io.FileInputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.zjsonpatch.JsonPatch;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The injected pod, against the hand-written one in manifests/httpbin.yaml and field by field. */
class PodInjectorTest {

    static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    final PodInjector injector = new PodInjector(SidecarTemplate.DEFAULT);

    /** httpbin's pod as written in the manifests, with Outrigger in it by hand. */
    static Pod handWritten() throws IOException {
        try (FileInputStream in = new FileInputStream("manifests/httpbin.yaml")) {
            List<HasMetadata> objects = SERIALIZATION.unmarshal(in);
            Deployment deployment = objects.stream().filter(Deployment.class::isInstance).map(Deployment.class::cast).findFirst().orElseThrow();
            return new PodBuilder().withMetadata(deployment.getSpec().getTemplate().getMetadata())
                    .withSpec(deployment.getSpec().getTemplate().getSpec()).build();
        }
    }

    /** The same pod as an application team writes it: no sidecar, no init container, no scrape annotations. */
    static Pod stripped() throws IOException {
        Pod pod = handWritten();
        return new PodBuilder(pod).editMetadata().withAnnotations(Map.of()).endMetadata()
                .editSpec().withInitContainers(List.of()).withVolumes(List.of()).endSpec().build();
    }

    static Container init(Pod pod, String name) {
        return pod.getSpec().getInitContainers().stream().filter(c -> c.getName().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void injectingTheStrippedHttpbinGivesTheHandWrittenSidecarButForWhatIsDocumented() throws Exception {
        Pod written = handWritten();
        Pod injected = injector.inject(stripped());
        assertThat(injected.getSpec().getInitContainers()).extracting(Container::getName).containsExactly("outrigger-init", "outrigger");
        Container writtenInit = init(written, "outrigger-init");
        Container injectedInit = init(injected, "outrigger-init");
        assertThat(injectedInit.getSecurityContext()).isEqualTo(writtenInit.getSecurityContext());
        assertThat(injectedInit.getResources()).isEqualTo(writtenInit.getResources());
        assertThat(injectedInit.getCommand()).isEqualTo(writtenInit.getCommand());

        Container writtenSidecar = init(written, "outrigger");
        Container sidecar = init(injected, "outrigger");
        assertThat(sidecar.getImage()).isEqualTo(writtenSidecar.getImage());
        assertThat(sidecar.getRestartPolicy()).isEqualTo("Always");
        assertThat(sidecar.getSecurityContext()).isEqualTo(writtenSidecar.getSecurityContext());
        assertThat(sidecar.getStartupProbe()).isEqualTo(writtenSidecar.getStartupProbe());
        assertThat(sidecar.getReadinessProbe()).isEqualTo(writtenSidecar.getReadinessProbe());
        assertThat(sidecar.getLivenessProbe()).isEqualTo(writtenSidecar.getLivenessProbe());
        assertThat(sidecar.getResources()).isEqualTo(writtenSidecar.getResources());
        assertThat(sidecar.getPorts()).extracting(p -> p.getContainerPort()).containsExactly(15020);
        Map<String, EnvVar> env = byName(sidecar.getEnv());
        for (EnvVar written1 : writtenSidecar.getEnv()) {
            switch (written1.getName()) {
                // Written by hand from what the author knows; the injector reads it from the pod's labels, or leaves it unknown.
                case "OUTRIGGER_IDENTITY_WORKLOAD" -> assertThat(env.get(written1.getName()).getValue()).isEqualTo("httpbin");
                case "OUTRIGGER_IDENTITY_SERVICE" -> assertThat(env).doesNotContainKey(written1.getName());
                default -> assertThat(env.get(written1.getName())).as(written1.getName()).isEqualTo(written1);
            }
        }
        assertThat(env.get("SPRING_CLOUD_KUBERNETES_CONFIG_ENABLED").getValue()).as("routes from the mounted ConfigMap").isEqualTo("false");
        assertThat(sidecar.getVolumeMounts()).extracting(m -> m.getMountPath()).containsExactly("/tmp", "/etc/outrigger/config");
        assertThat(injected.getMetadata().getAnnotations()).containsAllEntriesOf(written.getMetadata().getAnnotations())
                .containsKey("outrigger.io/status");
        assertThat(injected.getSpec().getContainers()).isEqualTo(written.getSpec().getContainers());
        assertThat(injected.getMetadata().getLabels()).doesNotContainKey("security.outrigger.io/tlsMode");
    }

    @Test
    void theJsonPatchTurnsTheOriginalIntoTheInjectedPod() throws Exception {
        Pod original = new PodBuilder(stripped()).editSpec().addNewInitContainer().withName("migrate").withImage("app")
                .endInitContainer().endSpec().build();
        Pod injected = injector.inject(original);
        JsonNode patch = PodPatch.between(original, injected);
        JsonNode patched = JsonPatch.apply(patch, SERIALIZATION.convertValue(original, JsonNode.class));
        assertThat(SERIALIZATION.convertValue(patched, Pod.class)).isEqualTo(injected);
        assertThat(injected.getSpec().getInitContainers()).extracting(Container::getName)
                .as("the pod's own init containers run after the sidecar is up").containsExactly("outrigger-init", "outrigger", "migrate");
        assertThat(original.getSpec().getInitContainers()).as("the pod given is not changed").hasSize(1);
    }

    @Test
    void trafficAnnotationsBecomeOutriggerInitArgumentsAndBadOnesAreRefusedByName() throws Exception {
        Pod pod = new PodBuilder(stripped()).editMetadata()
                .addToAnnotations("traffic.outrigger.io/exclude-inbound-ports", "9090, 9091")
                .addToAnnotations("traffic.outrigger.io/exclude-outbound-ports", "5432")
                .addToAnnotations("traffic.outrigger.io/include-outbound-ip-ranges", "10.0.0.0/8")
                .addToAnnotations("traffic.outrigger.io/exclude-outbound-ip-ranges", "10.96.0.1/32,169.254.0.0/16")
                .addToAnnotations("outrigger.io/proxy-cpu", "250m").addToAnnotations("outrigger.io/proxy-memory", "192Mi")
                .endMetadata().build();
        Pod injected = injector.inject(pod);
        assertThat(String.join(" ", init(injected, "outrigger-init").getCommand())).endsWith(
                "--inbound-ports * --exclude-inbound-ports 9090,9091 --exclude-outbound-ports 5432"
                        + " --include-outbound-cidrs 10.0.0.0/8 --exclude-outbound-cidrs 10.96.0.1/32,169.254.0.0/16");
        assertThat(init(injected, "outrigger").getResources().getRequests()).containsEntry("cpu", new io.fabric8.kubernetes.api.model.Quantity("250m"));
        assertThat(init(injected, "outrigger").getResources().getLimits()).containsEntry("memory", new io.fabric8.kubernetes.api.model.Quantity("192Mi"));

        for (Map.Entry<String, String> bad : Map.of("traffic.outrigger.io/exclude-inbound-ports", "http",
                "traffic.outrigger.io/exclude-outbound-ip-ranges", "10.0.0.0/33",
                "traffic.outrigger.io/include-outbound-ip-ranges", "fd00::/8",
                "outrigger.io/proxy-memory", "lots").entrySet()) {
            Pod wrong = new PodBuilder(stripped()).editMetadata().addToAnnotations(bad.getKey(), bad.getValue()).endMetadata().build();
            assertThatThrownBy(() -> injector.inject(wrong)).isInstanceOf(InjectionException.class)
                    .hasMessageContaining(bad.getKey()).hasMessageContaining(bad.getValue());
        }
    }

    @Test
    void withACertificateSecretThePodGetsItsIdentityAndTheMeshedLabel() throws Exception {
        Pod injected = new PodInjector(SidecarTemplate.DEFAULT.withCertificateSecret("{serviceAccount}-spiffe")).inject(stripped());
        assertThat(injected.getMetadata().getLabels()).containsEntry("security.outrigger.io/tlsMode", "outrigger");
        assertThat(injected.getSpec().getVolumes()).filteredOn(volume -> volume.getSecret() != null)
                .singleElement().satisfies(volume -> assertThat(volume.getSecret().getSecretName()).isEqualTo("httpbin-spiffe"));
        assertThat(byName(init(injected, "outrigger").getEnv()).get("OUTRIGGER_TLS_TRUST_BUNDLE").getValue())
                .isEqualTo("/etc/outrigger/identity/ca.crt");
    }

    @Test
    void httpProbesGoThroughTheSidecarByPortNumberOrNameAndOthersAreLeftAlone() throws Exception {
        Pod pod = new PodBuilder(stripped()).editSpec().editFirstContainer()
                .withNewLivenessProbe().withNewHttpGet().withPath("/live").withNewPort("http").endHttpGet().withTimeoutSeconds(3).endLivenessProbe()
                .withNewReadinessProbe().withNewTcpSocket().withNewPort(8080).endTcpSocket().endReadinessProbe()
                .withNewStartupProbe().withNewHttpGet().withPath("/start").withNewPort(8080).withScheme("HTTPS").endHttpGet().endStartupProbe()
                .endContainer().endSpec().build();
        Pod injected = injector.inject(pod);
        Container app = injected.getSpec().getContainers().getFirst();
        assertThat(app.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/app-health/httpbin/livez");
        assertThat(app.getLivenessProbe().getTimeoutSeconds()).isEqualTo(3);
        assertThat(app.getReadinessProbe()).as("TCP: as it was").isEqualTo(pod.getSpec().getContainers().getFirst().getReadinessProbe());
        assertThat(app.getStartupProbe()).as("HTTPS: as it was").isEqualTo(pod.getSpec().getContainers().getFirst().getStartupProbe());
        assertThat(byName(init(injected, "outrigger").getEnv()).get("OUTRIGGER_APP_PROBES").getValue())
                .isEqualTo("{\"httpbin\":{\"livez\":{\"port\":8080,\"path\":\"/live\",\"headers\":{},\"timeoutSeconds\":3}}}");

        Pod unnamed = new PodBuilder(stripped()).editSpec().editFirstContainer()
                .withNewLivenessProbe().withNewHttpGet().withNewPort("metrics").endHttpGet().endLivenessProbe()
                .endContainer().endSpec().build();
        assertThatThrownBy(() -> injector.inject(unnamed)).isInstanceOf(InjectionException.class)
                .hasMessageContaining("'metrics' is not one of its ports");
    }

    @Test
    void anApplicationsOwnMetricsAreMergedIntoTheSidecarsScrape() throws Exception {
        Pod pod = new PodBuilder(stripped()).editMetadata().addToAnnotations("prometheus.io/scrape", "true")
                .addToAnnotations("prometheus.io/port", "9102").endMetadata().build();
        Pod injected = injector.inject(pod);
        assertThat(injected.getMetadata().getAnnotations()).containsEntry("prometheus.io/port", "15020")
                .containsEntry("prometheus.io/path", "/stats/prometheus");
        assertThat(byName(init(injected, "outrigger").getEnv()).get("OUTRIGGER_APP_METRICS").getValue())
                .isEqualTo("{\"port\":9102,\"path\":\"/metrics\"}");
        Pod notScraped = new PodBuilder(stripped()).editMetadata().addToAnnotations("prometheus.io/scrape", "false").endMetadata().build();
        assertThat(injector.inject(notScraped).getMetadata().getAnnotations()).as("the pod said no").containsEntry("prometheus.io/scrape", "false")
                .doesNotContainKey("prometheus.io/port");
    }

    static Map<String, EnvVar> byName(List<EnvVar> env) {
        return env.stream().collect(java.util.stream.Collectors.toMap(EnvVar::getName, e -> e));
    }
}
