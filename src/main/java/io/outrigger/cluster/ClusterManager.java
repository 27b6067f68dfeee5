package io.outrigger.cluster;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.outrigger.netty.EventLoops;
import io.outrigger.tls.UpstreamTls;

/**
 * Owns the live {@link Cluster}s across snapshots. Building a snapshot asks it for the clusters
 * the new config names: one whose config is unchanged is handed over as it is (warm pool, same
 * balancer state); a new or changed one is built; one no longer named is closed after a grace
 * period, so requests still running on the previous snapshot finish on it.
 */
public final class ClusterManager implements AutoCloseable {

    private static final long RETIRE_AFTER_SECONDS = 60;

    private final EventLoops loops;
    private final AddressResolver resolver;
    private final UpstreamTls tls;
    private final EndpointFeed feed;
    private final ScheduledExecutorService background = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "outrigger-clusters");
        thread.setDaemon(true);
        return thread;
    });
    private Map<String, Cluster> live = Map.of();

    public ClusterManager(EventLoops loops, AddressResolver resolver, UpstreamTls tls) {
        this(loops, resolver, tls, EndpointFeed.NONE);
    }

    /** @param feed where discovered clusters get their endpoints */
    public ClusterManager(EventLoops loops, AddressResolver resolver, UpstreamTls tls, EndpointFeed feed) {
        this.tls = tls;
        this.feed = feed;
        this.loops = loops;
        this.resolver = resolver;
    }

    /**
     * The clusters for compiled specs. Not thread-safe on purpose: the config holder calls it
     * from one reload at a time. Call {@link #commit} once the snapshot built from them is live.
     */
    public Map<String, Cluster> prepare(Map<String, ClusterSpec> specs) {
        Map<String, Cluster> next = new LinkedHashMap<>();
        specs.forEach((name, spec) -> {
            Cluster existing = live.get(name);
            next.put(name, existing != null && existing.spec().equals(spec)
                    ? existing
                    : new Cluster(name, spec, loops, background, resolver, tls, feed));
        });
        return next;
    }

    /** Makes {@code next} the live set and schedules every cluster it no longer holds for closing. */
    public void commit(Map<String, Cluster> next) {
        Map<String, Cluster> retired = new HashMap<>(live);
        next.forEach((name, cluster) -> retired.remove(name, cluster));
        live = Map.copyOf(next);
        retire(retired);
    }

    /** Closes clusters built for a snapshot that was then refused, keeping those still live. */
    public void discard(Map<String, Cluster> prepared) {
        Map<String, Cluster> unused = new HashMap<>(prepared);
        live.forEach((name, cluster) -> unused.remove(name, cluster));
        unused.values().forEach(Cluster::close);
    }

    private void retire(Map<String, Cluster> retired) {
        if (!retired.isEmpty()) {
            background.schedule(() -> retired.values().forEach(Cluster::close), RETIRE_AFTER_SECONDS, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() {
        live.values().forEach(Cluster::close);
        background.shutdownNow();
    }
}
