package io.outrigger.telemetry;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.outrigger.cluster.Cluster;
import io.outrigger.common.Direction;
import io.outrigger.common.ResponseFlag;
import io.outrigger.config.OutriggerProperties;

import static io.outrigger.common.MeterCatalog.*;

/**
 * Istio's TCP metrics. A connection looks its {@link Meters} up once, when it knows its cluster,
 * and counts bytes on them as they pass, so the counters move while a long connection lives.
 */
public final class TcpMetrics {

    private final MeterRegistry registry;
    private final OutriggerProperties.Identity identity;
    private final Supplier<String> ownPrincipal;
    private final Map<Cluster, Map<String, Meters>> outbound = new ConcurrentHashMap<>();
    private final Map<Cluster, Map<String, Meters>> inbound = new ConcurrentHashMap<>();
    private final Meters refused;

    /** @param ownPrincipal this pod's SPIFFE ID, or null while it has none */
    public TcpMetrics(MeterRegistry registry, OutriggerProperties.Identity identity, Supplier<String> ownPrincipal) {
        this.registry = registry;
        this.identity = identity;
        this.ownPrincipal = ownPrincipal;
        this.refused = new Meters(IstioLabels.outbound(identity, null, "tcp"));
    }

    /**
     * The meters of connections to {@code cluster} (null: refused before it had one). {@code mtls}:
     * whether the hop between sidecars is mutual TLS; inbound, {@code peerPrincipal} is the caller's
     * identity.
     */
    public Meters meters(Direction direction, Cluster cluster, boolean mtls, String peerPrincipal) {
        if (cluster == null) {
            return refused;
        }
        boolean out = direction == Direction.OUTBOUND;
        String peerId = out ? null : peerPrincipal;
        Map<String, Meters> byPeer = (out ? outbound : inbound).computeIfAbsent(cluster, c -> new ConcurrentHashMap<>());
        String key = (mtls ? "m:" : "p:") + (peerId == null ? "" : peerId);
        if (byPeer.size() >= RequestMetrics.MAX_PEERS && !byPeer.containsKey(key)) {
            key = mtls ? "m:" : "p:";   // past the bound, further peers are counted as "unknown"
            peerId = null;
        }
        Meters meters = byPeer.get(key);
        if (meters == null) {
            IstioLabels.Principals principals = new IstioLabels.Principals(ownPrincipal.get(), peerId, mtls);
            meters = byPeer.computeIfAbsent(key, k -> new Meters(out
                    ? IstioLabels.outbound(identity, cluster, "tcp", principals)
                    : IstioLabels.inbound(identity, cluster.name(), "tcp", principals)));
        }
        return meters;
    }

    /** Forgets the meters of clusters a reload removed or replaced. */
    public void retainOnly(Collection<Cluster> live) {
        for (Map<Cluster, Map<String, Meters>> byCluster : List.of(outbound, inbound)) {
            byCluster.entrySet().removeIf(entry -> {
                if (live.contains(entry.getKey())) {
                    return false;
                }
                entry.getValue().values().forEach(Meters::remove);
                return true;
            });
        }
    }

    /** The counters of one direction and cluster. */
    public final class Meters {
        private final Tags tags;
        private final Counter opened;
        private final Counter sent;
        private final Counter received;
        private final Map<Integer, Counter> closed = new ConcurrentHashMap<>();
        private volatile boolean removed;

        Meters(Tags tags) {
            this.tags = tags.and(RESPONSE_FLAGS, "-");
            this.opened = TCP_OPENED.counter().tags(this.tags).register(registry);
            this.sent = TCP_SENT_BYTES.counter().tags(this.tags).register(registry);
            this.received = TCP_RECEIVED_BYTES.counter().tags(this.tags).register(registry);
        }

        public void opened() {
            opened.increment();
        }

        public void sent(int bytes) {
            sent.increment(bytes);
        }

        public void received(int bytes) {
            received.increment(bytes);
        }

        /** Counts a close, labelled with the connection's response flags. */
        public void closed(int flags) {
            if (removed) {
                return;   // its cluster was reloaded away: do not bring its series back
            }
            Counter counter = closed.get(flags);
            if (counter == null) {
                counter = closed.computeIfAbsent(flags, f -> TCP_CLOSED.counter().tags(tags.and(RESPONSE_FLAGS, ResponseFlag.format(f))).register(registry));
            }
            counter.increment();
        }

        void remove() {
            removed = true;
            registry.remove(opened);
            registry.remove(sent);
            registry.remove(received);
            closed.values().forEach(registry::remove);
        }
    }
}
