package io.outrigger.cluster;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Power of two choices, as Envoy's least-request: two distinct endpoints at random, the one with
 * fewer requests in flight wins. Nearly as good as a full scan, at constant cost.
 */
final class LeastRequestBalancer implements LoadBalancer {

    @Override
    public Endpoint pick(List<Endpoint> endpoints) {
        int size = endpoints.size();
        if (size == 1) {
            return endpoints.get(0);
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int first = random.nextInt(size);
        int second = random.nextInt(size - 1);
        if (second >= first) {
            second++;
        }
        Endpoint a = endpoints.get(first);
        Endpoint b = endpoints.get(second);
        return b.activeRequests() < a.activeRequests() ? b : a;
    }
}
