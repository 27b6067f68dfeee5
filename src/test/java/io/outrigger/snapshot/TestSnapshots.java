package io.outrigger.snapshot;

import java.net.UnknownHostException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.outrigger.cluster.ClusterManager;
import io.outrigger.cluster.DiscoveredService;
import io.outrigger.cluster.EndpointFeed;
import io.outrigger.config.OutriggerProperties;
import io.outrigger.netty.EventLoops;
import io.outrigger.pipeline.OutboundStack;
import io.outrigger.tls.UpstreamTls;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * Real snapshots for unit tests, compiled from properties as a config file would give them.
 * Cluster endpoints should be IP literals: nothing connects until a request is sent, and unit
 * tests send none. Close it to close the clusters and the event loop.
 */
public final class TestSnapshots implements AutoCloseable {

    private final EventLoops loops = new EventLoops(1);
    private final ClusterManager clusters;
    private final SnapshotHolder holder;

    public TestSnapshots() {
        this(EndpointFeed.NONE);
    }

    /** Snapshots whose discovered clusters take their endpoints from {@code feed}. */
    public TestSnapshots(EndpointFeed feed) {
        clusters = new ClusterManager(loops, host -> {
            throw new UnknownHostException(host + ": unit tests resolve no names");
        }, UpstreamTls.NONE, feed);
        holder = new SnapshotHolder(clusters, Clock.systemUTC(), OutboundStack.ROUTE_POLICIES);
    }

    /** Snapshots from now on include these discovered Services. */
    public TestSnapshots withServices(List<DiscoveredService> services) {
        holder.discoveredServices(() -> services);
        return this;
    }

    /** The snapshot of {@code keyValues} (property, value, ...); fails with the problems if it has any. */
    public Snapshot of(String... keyValues) {
        Map<String, String> properties = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            properties.put(keyValues[i], keyValues[i + 1]);
        }
        OutriggerProperties settings = new Binder(new MapConfigurationPropertySource(properties))
                .bindOrCreate("outrigger", OutriggerProperties.class);
        ReloadResult result = holder.apply(settings, "test");
        if (result.outcome() == ReloadResult.Outcome.REJECTED) {
            throw new IllegalArgumentException("test config refused: " + result.errors());
        }
        return holder.current();
    }

    @Override
    public void close() {
        clusters.close();
        loops.dispose();
    }
}
