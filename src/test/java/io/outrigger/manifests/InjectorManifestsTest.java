package io.outrigger.manifests;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import static org.assertj.core.api.Assertions.assertThat;

/** manifests/injector/ as kubectl apply -k reads it: the webhook's contract and the injector's Deployment. */
class InjectorManifestsTest {

    static final Path DIR = Path.of("manifests/injector");
    static final List<HasMetadata> objects = new ArrayList<>();

    @BeforeAll
    static void load() throws IOException {
        Map<String, Object> kustomization = new Yaml().load(Files.readString(DIR.resolve("kustomization.yaml")));
        for (Object file : (List<?>) kustomization.get("resources")) {
            try (InputStream in = Files.newInputStream(DIR.resolve(file.toString()))) {
                Object loaded = new KubernetesSerialization().unmarshal(in);
                if (loaded instanceof List<?> list) {
                    list.forEach(o -> objects.add((HasMetadata) o));
                } else {
                    objects.add((HasMetadata) loaded);
                }
            }
        }
    }

    static <T> T only(Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).reduce((a, b) -> {
            throw new AssertionError("more than one " + type.getSimpleName());
        }).orElseThrow();
    }

    @Test
    void bothWebhooksSpeakV1WithoutSideEffectsToTheInjectorsService() {
        MutatingWebhookConfiguration configuration = only(MutatingWebhookConfiguration.class);
        assertThat(configuration.getWebhooks()).hasSize(2);
        for (MutatingWebhook webhook : configuration.getWebhooks()) {
            assertThat(webhook.getAdmissionReviewVersions()).containsExactly("v1");
            assertThat(webhook.getSideEffects()).isEqualTo("None");
            assertThat(webhook.getReinvocationPolicy()).isEqualTo("IfNeeded");
            assertThat(webhook.getFailurePolicy()).isEqualTo("Fail");
            assertThat(webhook.getClientConfig().getService().getPath()).isEqualTo("/inject");
            assertThat(webhook.getClientConfig().getService().getName()).isEqualTo(only(Service.class).getMetadata().getName());
            assertThat(webhook.getNamespaceSelector().getMatchExpressions()).anySatisfy(expression -> {
                assertThat(expression.getKey()).isEqualTo("kubernetes.io/metadata.name");
                assertThat(expression.getValues()).containsExactlyInAnyOrder("kube-system", "outrigger-system");
            });
        }
        assertThat(configuration.getWebhooks().get(0).getNamespaceSelector().getMatchExpressions().getFirst().getValues())
                .containsExactly("enabled");
        assertThat(configuration.getWebhooks().get(1).getObjectSelector().getMatchLabels()).containsEntry("outrigger.io/inject", "true");
    }

    @Test
    void theInjectorRunsTwiceWithABudgetAsTheSidecarsImageInInjectorMode() {
        Deployment deployment = only(Deployment.class);
        assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
        assertThat(only(PodDisruptionBudget.class).getSpec().getMinAvailable().getIntVal()).isEqualTo(1);
        var container = deployment.getSpec().getTemplate().getSpec().getContainers().getFirst();
        assertThat(container.getArgs()).containsExactly("injector");
        assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(container.getReadinessProbe().getHttpGet().getPort().getIntVal()).isEqualTo(15021);
        assertThat(only(Service.class).getSpec().getPorts().getFirst().getTargetPort().getIntVal()).isEqualTo(15017);
        var template = only(io.fabric8.kubernetes.api.model.ConfigMap.class);
        assertThat(template.getData().get("template.yaml")).as("the settings the injector reloads").contains("image: outrigger:0.1.0");
        assertThat(deployment.getSpec().getTemplate().getSpec().getVolumes()).filteredOn(volume -> volume.getConfigMap() != null)
                .singleElement().satisfies(volume -> {
            assertThat(volume.getConfigMap().getName()).isEqualTo(template.getMetadata().getName());
            assertThat(volume.getConfigMap().getOptional()).isTrue();
        });
    }
}
