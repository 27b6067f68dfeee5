package io.outrigger.manifests;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.outrigger.config.OutriggerProperties;
import io.outrigger.pipeline.OutboundStack;
import io.outrigger.snapshot.SnapshotCompiler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.ByteArrayResource;
import org.yaml.snakeyaml.Yaml;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The manifests parse as the Kubernetes objects they claim to be, and say what the docs promise:
 * the native sidecar's security and probes, the init container's capabilities, the RBAC, the
 * scrape annotations, and routes that Outrigger itself accepts.
 */
class ManifestsTest {

    static final Path DIR = Path.of("manifests");
    static KubernetesClient kube;
    static List<HasMetadata> objects = new ArrayList<>();

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void load() throws IOException {
        kube = new KubernetesClientBuilder().build();   // only to parse: never connects
        Map<String, Object> kustomization = new Yaml().load(Files.readString(DIR.resolve("kustomization.yaml")));
        for (String file : (List<String>) kustomization.get("resources")) {
            try (InputStream in = Files.newInputStream(DIR.resolve(file))) {
                objects.addAll(kube.load(in).items());
            }
        }
    }

    @AfterAll
    static void close() {
        kube.close();
    }

    static <T extends HasMetadata> T only(Class<T> type) {
        List<T> found = objects.stream().filter(type::isInstance).map(type::cast).toList();
        assertThat(found).hasSize(1);
        return found.getFirst();
    }

    PodSpec pod() {
        return only(Deployment.class).getSpec().getTemplate().getSpec();
    }

    Container init(String name) {
        return pod().getInitContainers().stream().filter(c -> c.getName().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void outriggerIsANativeSidecarThatRunsAsTheProxyUserWithNothingElse() {
        Container sidecar = init("outrigger");
        assertThat(pod().getInitContainers().indexOf(sidecar)).as("after the iptables init container").isEqualTo(1);
        assertThat(sidecar.getRestartPolicy()).isEqualTo("Always");
        assertThat(sidecar.getSecurityContext().getRunAsUser()).isEqualTo(1337L);
        assertThat(sidecar.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(sidecar.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(sidecar.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(sidecar.getSecurityContext().getCapabilities().getAdd()).isNullOrEmpty();
        assertThat(sidecar.getStartupProbe().getHttpGet().getPath()).isEqualTo("/actuator/health/readiness");
        assertThat(sidecar.getStartupProbe().getHttpGet().getPort().getIntVal()).isEqualTo(15020);
        assertThat(sidecar.getResources().getRequests()).containsKeys("cpu", "memory");
        assertThat(sidecar.getResources().getLimits()).containsKey("memory");
        assertThat(sidecar.getEnv()).extracting(e -> e.getName())
                .contains("OUTRIGGER_IDENTITY_POD", "OUTRIGGER_IDENTITY_NAMESPACE", "OUTRIGGER_IDENTITY_SERVICE_ACCOUNT");
    }

    @Test
    void theInitContainerHasOnlyTheNetworkCapabilities() {
        Container init = init("outrigger-init");
        assertThat(pod().getInitContainers().indexOf(init)).isZero();
        assertThat(init.getRestartPolicy()).isNull();
        assertThat(init.getSecurityContext().getCapabilities().getAdd()).containsExactlyInAnyOrder("NET_ADMIN", "NET_RAW");
        assertThat(init.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(init.getCommand()).first().isEqualTo("outrigger-init");
        assertThat(String.join(" ", init.getCommand())).contains("--proxy-uid 1337");
    }

    @Test
    void rbacAllowsReadingConfigMapsAndPostingEventsOnly() {
        Role role = only(Role.class);
        assertThat(role.getRules()).hasSize(2);
        assertThat(role.getRules().get(0).getResources()).containsExactly("configmaps");
        assertThat(role.getRules().get(0).getVerbs()).containsExactly("get", "list", "watch");
        assertThat(role.getRules().get(1).getResources()).containsExactly("events");
        assertThat(role.getRules().get(1).getVerbs()).containsExactly("create");
        assertThat(pod().getServiceAccountName()).isEqualTo("httpbin");
    }

    @Test
    void discoveryIsOnAndMayOnlyReadServicesEndpointSlicesPodsAndNodes() {
        ClusterRole role = only(ClusterRole.class);
        assertThat(role.getRules()).hasSize(4);
        assertThat(role.getRules().get(0).getResources()).containsExactly("services");
        assertThat(role.getRules().get(1).getApiGroups()).containsExactly("discovery.k8s.io");
        assertThat(role.getRules().get(1).getResources()).containsExactly("endpointslices");
        assertThat(role.getRules().get(2).getResources()).containsExactly("pods");
        role.getRules().subList(0, 3).forEach(rule -> assertThat(rule.getVerbs()).containsExactly("get", "list", "watch"));
        assertThat(role.getRules().get(3).getResources()).containsExactly("nodes");
        assertThat(role.getRules().get(3).getVerbs()).containsExactly("get");
        assertThat(init("outrigger").getEnv()).as("no identity mounted")
                .noneSatisfy(env -> assertThat(env.getName()).startsWith("OUTRIGGER_TLS_"));
        assertThat(only(Deployment.class).getSpec().getTemplate().getMetadata().getLabels())
                .as("so other sidecars must not try mTLS to it").doesNotContainKey("security.outrigger.io/tlsMode");
        assertThat(init("outrigger").getEnv()).anySatisfy(env -> {
            assertThat(env.getName()).isEqualTo("OUTRIGGER_IDENTITY_NODE");
            assertThat(env.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("spec.nodeName");
        });
        assertThat(only(ClusterRoleBinding.class).getSubjects()).singleElement()
                .satisfies(subject -> assertThat(subject.getName()).isEqualTo(pod().getServiceAccountName()));
        assertThat(init("outrigger").getEnv()).anySatisfy(env -> {
            assertThat(env.getName()).isEqualTo("OUTRIGGER_DISCOVERY_ENABLED");
            assertThat(env.getValue()).isEqualTo("true");
        });
    }

    @Test
    void prometheusScrapesTheManagementPort() {
        Map<String, String> annotations = only(Deployment.class).getSpec().getTemplate().getMetadata().getAnnotations();
        assertThat(annotations).containsEntry("prometheus.io/scrape", "true")
                .containsEntry("prometheus.io/port", "15020")
                .containsEntry("prometheus.io/path", "/actuator/prometheus");
    }

    @Test
    void theRoutesConfigMapIsAConfigOutriggerAccepts() throws IOException {
        ConfigMap routes = only(ConfigMap.class);
        assertThat(routes.getMetadata().getName()).isEqualTo("outrigger");
        StandardEnvironment environment = new StandardEnvironment();
        new YamlPropertySourceLoader().load("routes", new ByteArrayResource(routes.getData().get("application.yaml").getBytes()))
                .forEach(environment.getPropertySources()::addFirst);
        OutriggerProperties config = Binder.get(environment).bindOrCreate("outrigger", OutriggerProperties.class);
        assertThat(new SnapshotCompiler(OutboundStack.ROUTE_POLICIES).check(config)).isEmpty();
        assertThat(config.routes()).isNotEmpty();
    }
}
