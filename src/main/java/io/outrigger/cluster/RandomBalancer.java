package io.outrigger.cluster;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** A uniformly random endpoint. */
final class RandomBalancer implements LoadBalancer {

    @Override
    public Endpoint pick(List<Endpoint> endpoints) {
        return endpoints.get(ThreadLocalRandom.current().nextInt(endpoints.size()));
    }
}
