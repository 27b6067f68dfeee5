package io.outrigger.cluster;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** Each endpoint in turn. */
final class RoundRobinBalancer implements LoadBalancer {

    private final AtomicInteger next = new AtomicInteger();

    @Override
    public Endpoint pick(List<Endpoint> endpoints) {
        return endpoints.get(Math.floorMod(next.getAndIncrement(), endpoints.size()));
    }
}
