package io.outrigger.cluster;

import java.util.List;

/** Picks one endpoint out of a cluster's current, non-empty endpoint list. */
public interface LoadBalancer {

    Endpoint pick(List<Endpoint> endpoints);
}
