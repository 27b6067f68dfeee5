package io.outrigger.discovery;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;

/**
 * Which Services list each pod among their endpoints, counted per slice, so that a pod's sidecar
 * coming or going recomputes only those Services. Kept by the {@link ServiceCatalog}'s lock.
 */
final class PodServices {

    private final Map<String, Map<String, Integer>> byPod = new HashMap<>();   // namespace/pod -> namespace/service -> slices

    void add(EndpointSlice slice, String service) {
        for (String pod : pods(slice)) {
            byPod.computeIfAbsent(pod, k -> new HashMap<>()).merge(service, 1, Integer::sum);
        }
    }

    void remove(EndpointSlice slice, String service) {
        for (String pod : pods(slice)) {
            Map<String, Integer> services = byPod.get(pod);
            if (services != null) {
                services.computeIfPresent(service, (k, count) -> count > 1 ? count - 1 : null);
                if (services.isEmpty()) {
                    byPod.remove(pod);
                }
            }
        }
    }

    /** The Services ({@code namespace/name}) whose slices list pod {@code namespace/pod}. */
    Set<String> of(String pod) {
        Map<String, Integer> services = byPod.get(pod);
        return services == null ? Set.of() : Set.copyOf(services.keySet());
    }

    private static List<String> pods(EndpointSlice slice) {
        if (slice.getEndpoints() == null) {
            return List.of();
        }
        return slice.getEndpoints().stream()
                .map(Endpoint::getTargetRef)
                .filter(target -> target != null && target.getName() != null && (target.getKind() == null || "Pod".equals(target.getKind())))
                .map(target -> slice.getMetadata().getNamespace() + "/" + target.getName())
                .distinct()
                .toList();
    }
}
