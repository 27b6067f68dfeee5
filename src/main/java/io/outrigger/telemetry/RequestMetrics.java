package io.outrigger.telemetry;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.outrigger.cluster.Cluster;
import io.outrigger.common.Direction;
import io.outrigger.common.ResponseFlag;
import io.outrigger.config.OutriggerProperties;

import static io.outrigger.common.MeterCatalog.*;

/**
 * Istio's request metrics. Meters are looked up, not built, per request: one {@link Family} per
 * direction and cluster holds the labels that never change for it, and caches the meters of each
 * outcome (status, flags, gRPC status) the first time it occurs.
 */
public final class RequestMetrics {

    private final MeterRegistry registry;
    private final OutriggerProperties.Identity identity;
    private final Supplier<String> ownPrincipal;
    private final Map<Cluster, Family> outbound = new ConcurrentHashMap<>();
    private final Map<Cluster, Family> inbound = new ConcurrentHashMap<>();
    // Over mTLS the peer's principal is a label too: one family per cluster and peer.
    private final Map<Cluster, Map<String, Family>> outboundMtls = new ConcurrentHashMap<>();
    private final Map<Cluster, Map<String, Family>> inboundMtls = new ConcurrentHashMap<>();
    private final Family noRoute;
    /** Peer principals labelled per cluster at most: labels must stay a bounded set. */
    static final int MAX_PEERS = 256;

    /** @param ownPrincipal this pod's SPIFFE ID, or null while it has none */
    public RequestMetrics(MeterRegistry registry, OutriggerProperties.Identity identity, Supplier<String> ownPrincipal) {
        this.registry = registry;
        this.identity = identity;
        this.ownPrincipal = ownPrincipal;
        this.noRoute = new Family(outboundTags(null));
    }

    /**
     * Forgets the meters of clusters a reload replaced or removed, so their series (and labels
     * derived from an old config) do not outlive them.
     */
    public void retainOnly(Collection<Cluster> live) {
        for (Map<Cluster, Family> families : List.of(outbound, inbound)) {
            families.entrySet().removeIf(entry -> {
                if (live.contains(entry.getKey())) {
                    return false;
                }
                entry.getValue().remove();
                return true;
            });
        }
        for (Map<Cluster, Map<String, Family>> families : List.of(outboundMtls, inboundMtls)) {
            families.entrySet().removeIf(entry -> {
                if (live.contains(entry.getKey())) {
                    return false;
                }
                entry.getValue().values().forEach(Family::remove);
                return true;
            });
        }
    }

    /** Counts a finished exchange once. */
    public void record(ExchangeRecord exchange) {
        Family family = family(exchange);
        double millis = exchange.durationNanos() / 1_000_000.0;
        family.outcome(exchange.status(), exchange.flags(), exchange.grpcStatus(), exchange.requestProtocol())
                .record(millis, exchange.bytesReceived(), exchange.bytesSent(), exchange.requestMessages(),
                        exchange.responseMessages());
        if (exchange.retries() > 0) {
            family.retries.increment(exchange.retries());
        }
        if ((exchange.flags() & ResponseFlag.UO.bit()) != 0) {
            family.overflows.increment();
        }
        if (exchange.ejections() > 0) {
            family.ejections.increment(exchange.ejections());
        }
        if (exchange.retryBudgetRefused()) {
            family.retriesRefused.increment();
        }
    }

    private Family family(ExchangeRecord exchange) {
        Cluster cluster = exchange.cluster();
        if (cluster == null) {
            return noRoute;
        }
        boolean out = exchange.direction() == Direction.OUTBOUND;
        if (!exchange.mutualTls()) {
            // get() first: computeIfAbsent's lambda captures this, an allocation on every request.
            Family family = (out ? outbound : inbound).get(cluster);
            if (family != null) {
                return family;
            }
            return out
                    ? outbound.computeIfAbsent(cluster, c -> new Family(outboundTags(c)))
                    : inbound.computeIfAbsent(cluster, c -> new Family(inboundTags(c.name())));
        }
        String peer = exchange.peerPrincipal();
        Map<String, Family> byPeer = (out ? outboundMtls : inboundMtls).computeIfAbsent(cluster, c -> new ConcurrentHashMap<>());
        String key = peer == null ? "" : peer;
        if (byPeer.size() >= MAX_PEERS && !byPeer.containsKey(key)) {
            key = "";        // past the bound, further peers are counted as "unknown"
            peer = null;
        }
        Family family = byPeer.get(key);
        if (family == null) {
            IstioLabels.Principals principals = new IstioLabels.Principals(ownPrincipal.get(), peer, true);
            String finalKey = key;
            family = byPeer.computeIfAbsent(finalKey, k -> new Family(out
                    ? IstioLabels.outbound(identity, cluster, "http", principals)
                    : IstioLabels.inbound(identity, cluster.name(), "http", principals)));
        }
        return family;
    }

    private Tags outboundTags(Cluster cluster) {
        return IstioLabels.outbound(identity, cluster, "http");
    }

    private Tags inboundTags(String clusterName) {
        return IstioLabels.inbound(identity, clusterName, "http");
    }

    /** The meters of one direction and cluster, with a cache of their outcomes. */
    private final class Family {
        private final Tags tags;
        private final Map<Long, Outcome> outcomes = new ConcurrentHashMap<>();
        private final Counter retries;
        private final Counter overflows;
        private final Counter ejections;
        private final Counter retriesRefused;

        Family(Tags tags) {
            this.tags = tags;
            String cluster = tags.stream().filter(t -> t.getKey().equals(DESTINATION_CLUSTER)).findFirst().orElseThrow().getValue();
            this.retries = RETRIES.counter().tag(CLUSTER, cluster).register(registry);
            this.overflows = OVERFLOWS.counter().tag(CLUSTER, cluster).register(registry);
            this.ejections = EJECTIONS.counter().tag(CLUSTER, cluster).register(registry);
            this.retriesRefused = RETRIES_REFUSED.counter().tag(CLUSTER, cluster).register(registry);
        }

        Outcome outcome(int status, int flags, int grpcStatus, String protocol) {
            // grpcStatus + 1 takes bits 0-4; the protocol, one of three, bits 5-6.
            long protocolBits = switch (protocol) {
                case "grpc" -> 1;
                case "http2" -> 2;
                default -> 0;
            };
            Long key = (long) status << 40 | (long) flags << 8 | protocolBits << 5 | grpcStatus + 1;
            Outcome outcome = outcomes.get(key);
            return outcome != null ? outcome : outcomes.computeIfAbsent(key, k -> new Outcome(protocolBits == 1,
                    tags.and(REQUEST_PROTOCOL, protocol)
                            .and(RESPONSE_CODE, Integer.toString(status))
                            .and(RESPONSE_FLAGS, ResponseFlag.format(flags))
                            .and(GRPC_RESPONSE_STATUS, grpcStatus < 0 ? "" : Integer.toString(grpcStatus))));
        }

        void remove() {
            registry.remove(retries);
            registry.remove(overflows);
            registry.remove(ejections);
            registry.remove(retriesRefused);
            outcomes.values().forEach(Outcome::remove);
        }
    }

    /** The meters of one outcome: four, and the two message counters for gRPC. */
    private final class Outcome {
        private final Counter requests;
        private final DistributionSummary duration;
        private final DistributionSummary requestBytes;
        private final DistributionSummary responseBytes;
        private final Counter requestMessages;
        private final Counter responseMessages;

        Outcome(boolean grpc, Tags tags) {
            this.requests = REQUESTS.counter().tags(tags).register(registry);
            this.duration = REQUEST_DURATION.histogram().tags(tags).register(registry);
            this.requestBytes = REQUEST_BYTES.histogram().tags(tags).register(registry);
            this.responseBytes = RESPONSE_BYTES.histogram().tags(tags).register(registry);
            this.requestMessages = grpc ? REQUEST_MESSAGES.counter().tags(tags).register(registry) : null;
            this.responseMessages = grpc ? RESPONSE_MESSAGES.counter().tags(tags).register(registry) : null;
        }

        void remove() {
            registry.remove(requests);
            registry.remove(duration);
            registry.remove(requestBytes);
            registry.remove(responseBytes);
            if (requestMessages != null) {
                registry.remove(requestMessages);
                registry.remove(responseMessages);
            }
        }

        void record(double millis, long received, long sent, long messagesIn, long messagesOut) {
            requests.increment();
            duration.record(millis);
            requestBytes.record(received);
            responseBytes.record(sent);
            if (requestMessages != null) {
                requestMessages.increment(messagesIn);
                responseMessages.increment(messagesOut);
            }
        }
    }
}
