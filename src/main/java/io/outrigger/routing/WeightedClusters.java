package io.outrigger.routing;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import io.outrigger.cluster.Cluster;
import io.outrigger.common.Problems;
import io.outrigger.config.OutriggerProperties;

/** A route's destinations, chosen at random in proportion to their weights. */
public final class WeightedClusters {

    private final Cluster[] clusters;
    private final int[] cumulative;

    private WeightedClusters(Cluster[] clusters, int[] cumulative) {
        this.clusters = clusters;
        this.cumulative = cumulative;
    }

    /**
     * Compiles a route's {@code route} list at {@code path}. A name absent from {@code clusters} is
     * an unknown cluster; a name mapped to null is known but not built (its settings had problems).
     * A {@code service:} destination's cluster is {@code serviceClusters}' entry for
     * {@code service:port}; one with none was refused when the plan was made.
     */
    static WeightedClusters compile(List<OutriggerProperties.Destination> destinations, String path,
            Map<String, Cluster> clusters, Map<String, String> serviceClusters, Problems problems) {
        if (destinations.isEmpty()) {
            problems.add(path + ".route", "at least one destination cluster is required");
        }
        Cluster[] chosen = new Cluster[destinations.size()];
        int[] cumulative = new int[destinations.size()];
        int total = 0;
        for (int i = 0; i < chosen.length; i++) {
            OutriggerProperties.Destination destination = destinations.get(i);
            String at = path + ".route[" + i + "]";
            if (destination.service() != null) {
                String name = serviceClusters.get(destination.service() + ":" + destination.port());
                chosen[i] = name == null ? null : clusters.get(name);
            } else if (destination.cluster() == null) {
                problems.add(at + ".cluster", "a cluster name is required");
            } else if (!clusters.containsKey(destination.cluster())) {
                problems.add(at + ".cluster", "unknown cluster '" + destination.cluster() + "'");
            } else {
                chosen[i] = clusters.get(destination.cluster());
            }
            if (destination.weight() < 0) {
                problems.add(at + ".weight", "must not be negative, was " + destination.weight());
            }
            total += Math.max(0, destination.weight());
            cumulative[i] = total;
        }
        if (!destinations.isEmpty() && total == 0) {
            problems.add(path + ".route", "the weights must add up to more than zero");
        }
        return new WeightedClusters(chosen, cumulative);
    }

    public static WeightedClusters single(Cluster cluster) {
        return new WeightedClusters(new Cluster[] {cluster}, new int[] {1});
    }

    public Cluster choose() {
        if (clusters.length == 1) {
            return clusters[0];
        }
        int point = ThreadLocalRandom.current().nextInt(cumulative[cumulative.length - 1]);
        for (int i = 0; i < cumulative.length; i++) {
            if (point < cumulative[i]) {
                return clusters[i];
            }
        }
        return clusters[clusters.length - 1];
    }
}
