package io.outrigger.cluster;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A cluster's endpoints at one moment, with those locality prefers ({@link EndpointInfo#local}),
 * immutable and swapped whole. Envoy's locality failover: the local endpoints take every request
 * while at least {@code failoverPercent} of them are healthy; below that, all endpoints do.
 */
record Members(List<Endpoint> all, List<Endpoint> local, Map<InetSocketAddress, Endpoint> byAddress) {

    static final Members NONE = new Members(List.of(), List.of(), Map.of());

    static Members of(List<Endpoint> all) {
        List<Endpoint> local = new ArrayList<>();
        Map<InetSocketAddress, Endpoint> byAddress = new HashMap<>();
        for (Endpoint endpoint : all) {
            if (endpoint.info() != null && endpoint.info().local()) {
                local.add(endpoint);
            }
            byAddress.put(endpoint.address(), endpoint);
        }
        // All local is the same as none: no preference to keep.
        return new Members(List.copyOf(all), local.size() == all.size() ? List.of() : List.copyOf(local), Map.copyOf(byAddress));
    }

    /**
     * The endpoints a request may pick from: the healthy local ones while there are enough, else
     * every healthy one; when every endpoint is ejected, all of them rather than none (Envoy's
     * panic mode). {@code anyEjected} false lets the common case skip the walk.
     */
    List<Endpoint> candidates(boolean anyEjected, int failoverPercent) {
        if (!anyEjected) {
            return local.isEmpty() ? all : local;
        }
        if (!local.isEmpty()) {
            List<Endpoint> healthyLocal = healthy(local);
            if (!healthyLocal.isEmpty() && healthyLocal.size() * 100 >= local.size() * failoverPercent) {
                return healthyLocal;
            }
        }
        List<Endpoint> healthy = healthy(all);
        return healthy.isEmpty() ? all : healthy;
    }

    private static List<Endpoint> healthy(List<Endpoint> endpoints) {
        List<Endpoint> healthy = new ArrayList<>(endpoints.size());
        for (Endpoint endpoint : endpoints) {
            if (!endpoint.ejected()) {
                healthy.add(endpoint);
            }
        }
        return healthy;
    }
}
