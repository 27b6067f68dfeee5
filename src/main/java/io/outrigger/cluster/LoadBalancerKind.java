package io.outrigger.cluster;

import java.util.function.Supplier;

/** The load-balancing policies a cluster may name in {@code load-balancer}. */
public enum LoadBalancerKind {
    ROUND_ROBIN("round-robin", RoundRobinBalancer::new),
    LEAST_REQUEST("least-request", LeastRequestBalancer::new),
    RANDOM("random", RandomBalancer::new);

    private final String configName;
    private final Supplier<LoadBalancer> factory;

    LoadBalancerKind(String configName, Supplier<LoadBalancer> factory) {
        this.configName = configName;
        this.factory = factory;
    }

    public LoadBalancer create() {
        return factory.get();
    }

    public String configName() {
        return configName;
    }

    /** The kind a config value names, or null when it names none. */
    public static LoadBalancerKind fromName(String name) {
        for (LoadBalancerKind kind : values()) {
            if (kind.configName.equals(name)) {
                return kind;
            }
        }
        return null;
    }
}
