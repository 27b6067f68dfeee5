package io.outrigger.injection;

import java.util.Map;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;

/**
 * Who gets a sidecar, as Istio and Linkerd decide it: pods in namespaces labelled
 * {@value #NAMESPACE_LABEL}={@code enabled}, or pods labelled or annotated
 * {@value #INJECT_ANNOTATION}={@code "true"}; never a pod labelled or annotated {@code "false"}, one on the host's network, one already injected, or one
 * in {@code kube-system} or the injector's own namespace.
 */
public final class InjectionPolicy {

    public static final String NAMESPACE_LABEL = "outrigger-injection";
    public static final String INJECT_ANNOTATION = "outrigger.io/inject";
    public static final String STATUS_ANNOTATION = "outrigger.io/status";

    /** Whether to inject, and why, in words for {@code outrigger check-inject}. */
    public record Decision(boolean inject, String reason) {
    }

    private final String ownNamespace;

    /** @param ownNamespace the injector's namespace (never injected); null when it has none (the CLI) */
    public InjectionPolicy(String ownNamespace) {
        this.ownNamespace = ownNamespace;
    }

    /**
     * @param namespace       the pod's namespace (a review's {@code request.namespace}: a new pod may have none yet)
     * @param namespaceLabels that namespace's labels; empty when not known
     */
    public Decision decide(Pod pod, String namespace, Map<String, String> namespaceLabels) {
        Map<String, String> annotations = pod.getMetadata() == null || pod.getMetadata().getAnnotations() == null
                ? Map.of() : pod.getMetadata().getAnnotations();
        if (pod.getSpec() != null && Boolean.TRUE.equals(pod.getSpec().getHostNetwork())) {
            return new Decision(false, "it uses the host's network: capturing its traffic would capture the node's");
        }
        if (annotations.containsKey(STATUS_ANNOTATION) || hasSidecar(pod)) {
            return new Decision(false, "it already has Outrigger (annotation " + STATUS_ANNOTATION + " or a container named "
                    + PodInjector.SIDECAR + ")");
        }
        if ("kube-system".equals(namespace) || namespace != null && namespace.equals(ownNamespace)) {
            return new Decision(false, "namespace " + namespace + " is never injected");
        }
        // The label is what a webhook's objectSelector can see (an opt-in outside labelled
        // namespaces needs it); the annotation is also honoured, the label first, as in Istio.
        Map<String, String> labels = pod.getMetadata() == null || pod.getMetadata().getLabels() == null
                ? Map.of() : pod.getMetadata().getLabels();
        String asked = labels.getOrDefault(INJECT_ANNOTATION, annotations.get(INJECT_ANNOTATION));
        if ("false".equalsIgnoreCase(asked)) {
            return new Decision(false, "it is " + (labels.containsKey(INJECT_ANNOTATION) ? "labelled " : "annotated ")
                    + INJECT_ANNOTATION + ": \"false\"");
        }
        if ("true".equalsIgnoreCase(asked)) {
            return new Decision(true, "it is " + (labels.containsKey(INJECT_ANNOTATION) ? "labelled " : "annotated ")
                    + INJECT_ANNOTATION + ": \"true\"");
        }
        if ("enabled".equals(namespaceLabels.get(NAMESPACE_LABEL))) {
            return new Decision(true, "namespace " + namespace + " is labelled " + NAMESPACE_LABEL + "=enabled");
        }
        return new Decision(false, "namespace " + namespace + " is not labelled " + NAMESPACE_LABEL
                + "=enabled and the pod is not annotated " + INJECT_ANNOTATION + ": \"true\"");
    }

    private static boolean hasSidecar(Pod pod) {
        if (pod.getSpec() == null) {
            return false;
        }
        for (Container container : pod.getSpec().getInitContainers()) {
            if (PodInjector.SIDECAR.equals(container.getName())) {
                return true;
            }
        }
        for (Container container : pod.getSpec().getContainers()) {
            if (PodInjector.SIDECAR.equals(container.getName())) {
                return true;
            }
        }
        return false;
    }
}
