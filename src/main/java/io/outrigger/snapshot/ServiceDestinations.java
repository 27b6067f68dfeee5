package io.outrigger.snapshot;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.outrigger.cluster.ClusterSpec;
import io.outrigger.cluster.ServiceRef;
import io.outrigger.common.Problems;
import io.outrigger.config.OutriggerProperties;

/**
 * The {@code service:} destinations of the routes, planned before any cluster is built: each
 * names the cluster discovery makes for that Service port, and that cluster is planned whether
 * the Service exists yet or not (until it does, its requests get 503 {@code UH}).
 */
final class ServiceDestinations {

    private ServiceDestinations() {
    }

    /**
     * Adds a cluster for every valid {@code service:} destination to {@code clusters} (unless one
     * of that name is planned already) and returns the cluster name of each, by {@code service:port}.
     * {@code defaults} is null when {@code cluster-defaults} had problems.
     */
    static Map<String, String> plan(OutriggerProperties settings, ClusterSpec defaults, Map<String, ClusterSpec> clusters,
            Problems problems) {
        Map<String, String> names = new HashMap<>();
        List<OutriggerProperties.Route> routes = settings.routes();
        for (int i = 0; i < routes.size(); i++) {
            List<OutriggerProperties.Destination> destinations = routes.get(i).route();
            for (int j = 0; j < destinations.size(); j++) {
                OutriggerProperties.Destination destination = destinations.get(j);
                if (destination.service() == null) {
                    continue;
                }
                String path = "outrigger.routes[" + i + "].route[" + j + "]";
                ServiceRef ref = check(destination, settings, path, problems);
                if (ref != null && defaults != null) {
                    String name = ref.clusterName(settings.discovery().clusterDomain());
                    clusters.putIfAbsent(name, defaults.discovered(ref.feedKey()));
                    names.put(destination.service() + ":" + destination.port(), name);
                }
            }
        }
        return Map.copyOf(names);
    }

    private static ServiceRef check(OutriggerProperties.Destination destination, OutriggerProperties settings, String path,
            Problems problems) {
        if (destination.cluster() != null) {
            problems.add(path, "names both a cluster and a service: set one of them");
            return null;
        }
        if (!settings.discovery().enabled()) {
            problems.add(path + ".service", "needs outrigger.discovery.enabled: Services are known through discovery");
            return null;
        }
        if (destination.port() == null || destination.port() < 1 || destination.port() > 65535) {
            problems.add(path + ".port", "a service destination needs the Service's port (1-65535), was " + destination.port());
            return null;
        }
        ServiceRef ref = ServiceRef.parse(destination.service(), destination.port(), settings.identity().namespace());
        if (ref == null) {
            problems.add(path + ".service", "'" + destination.service() + "' is not a Service name (name, or name.namespace)");
        }
        return ref;
    }
}
