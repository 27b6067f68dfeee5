package io.outrigger.injection;

import java.util.Map;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Who gets a sidecar: the namespace label, the pod's annotation, and the pods never touched. */
class InjectionPolicyTest {

    static final Map<String, String> LABELLED = Map.of("outrigger-injection", "enabled");
    final InjectionPolicy policy = new InjectionPolicy("outrigger-system");

    static PodBuilder pod() {
        return new PodBuilder().withNewMetadata().withName("web").endMetadata()
                .withNewSpec().addNewContainer().withName("app").withImage("app").endContainer().endSpec();
    }

    static Pod annotated(String value) {
        return pod().editMetadata().addToAnnotations("outrigger.io/inject", value).endMetadata().build();
    }

    @Test
    void aLabelledNamespaceInjectsAndTheAnnotationOptsOutOrIn() {
        assertThat(policy.decide(pod().build(), "shop", LABELLED).inject()).isTrue();
        assertThat(policy.decide(pod().build(), "shop", Map.of()).inject()).isFalse();
        assertThat(policy.decide(annotated("false"), "shop", LABELLED).reason()).contains("\"false\"");
        assertThat(policy.decide(annotated("false"), "shop", LABELLED).inject()).isFalse();
        assertThat(policy.decide(annotated("true"), "shop", Map.of()).inject()).isTrue();
        Pod labelled = pod().editMetadata().addToLabels("outrigger.io/inject", "true").endMetadata().build();
        assertThat(policy.decide(labelled, "shop", Map.of()).reason()).as("what a webhook's objectSelector sees")
                .isEqualTo("it is labelled outrigger.io/inject: \"true\"");
    }

    @Test
    void hostNetworkInjectedPodsAndSystemNamespacesAreLeftAlone() {
        Pod host = pod().editSpec().withHostNetwork(true).endSpec().build();
        assertThat(policy.decide(host, "shop", LABELLED).reason()).contains("host's network");
        Pod injected = pod().editMetadata().addToAnnotations("outrigger.io/status", "{}").endMetadata().build();
        assertThat(policy.decide(injected, "shop", LABELLED).inject()).isFalse();
        Pod withSidecar = pod().editSpec().addNewInitContainer().withName("outrigger").endInitContainer().endSpec().build();
        assertThat(policy.decide(withSidecar, "shop", LABELLED).reason()).contains("already has Outrigger");
        assertThat(policy.decide(annotated("true"), "kube-system", LABELLED).inject()).isFalse();
        assertThat(policy.decide(annotated("true"), "outrigger-system", LABELLED).inject()).isFalse();
    }
}
