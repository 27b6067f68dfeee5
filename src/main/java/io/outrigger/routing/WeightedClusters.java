package io.outrigger.routing;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import io.outrigger.cluster.Cluster;
import io.outrigger.config.OutriggerProperties;

/** A route's destinations, chosen at random in proportion to their weights. */
public final class WeightedClusters {

    private final Cluster[] clusters;
    private final int[] cumulative;

    private WeightedClusters(Cluster[] clusters, int[] cumulative) {
        this.clusters = clusters;
        this.cumulative = cumulative;
    }

    static WeightedClusters compile(List<OutriggerProperties.Destination> destinations, Map<String, Cluster> clusters) {
        Cluster[] chosen = new Cluster[destinations.size()];
        int[] cumulative = new int[destinations.size()];
        int total = 0;
        for (int i = 0; i < chosen.length; i++) {
            chosen[i] = clusters.get(destinations.get(i).cluster());
            total += destinations.get(i).weight();
            cumulative[i] = total;
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
