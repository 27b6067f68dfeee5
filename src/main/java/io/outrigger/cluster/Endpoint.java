package io.outrigger.cluster;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

import io.outrigger.tls.PeerPolicy;
import io.outrigger.upstream.EndpointConnections;

/**
 * One resolved upstream address of a cluster, with its connection pool per event loop (so a
 * request never leaves its loop) and its requests in flight.
 */
public final class Endpoint {

    private final InetSocketAddress address;
    private final String label;
    private final EndpointConnections connections;
    private final PeerPolicy peers;
    private final AtomicInteger active = new AtomicInteger();
    private final Outlier outlier = new Outlier();
    private volatile EndpointInfo info;

    /** Outlier-detection state: errors in a row, and whether (and how often) it has been ejected. */
    static final class Outlier {
        final AtomicInteger consecutive5xx = new AtomicInteger();
        final AtomicInteger consecutiveGateway = new AtomicInteger();
        volatile long ejectedUntil;   // epoch millis; 0 when not ejected
        volatile int ejections;       // the multiplier of the next ejection's length

        boolean isEjected() {
            return ejectedUntil != 0;
        }
    }

    Endpoint(InetSocketAddress address, EndpointConnections connections) {
        this(address, connections, PeerPolicy.PLAINTEXT);
    }

    Endpoint(InetSocketAddress address, EndpointConnections connections, PeerPolicy peers) {
        this.address = address;
        this.label = address.getAddress().getHostAddress() + ":" + address.getPort();
        this.connections = connections;
        this.peers = peers;
    }

    public InetSocketAddress address() {
        return address;
    }

    /** {@code ip:port}, as the access log and admin endpoints show it. */
    public String label() {
        return label;
    }

    /** Its connection pools, one per event loop. */
    public EndpointConnections connections() {
        return connections;
    }

    /** How its connections are secured: the cluster's policy, or mTLS to the sidecar found in its pod. */
    public PeerPolicy peers() {
        return peers;
    }

    /** What discovery knows of it (pod, zone, state), or null for an endpoint that was configured or resolved. */
    public EndpointInfo info() {
        return info;
    }

    void info(EndpointInfo info) {
        this.info = info;
    }

    Outlier outlier() {
        return outlier;
    }

    /** Whether outlier detection has ejected it (the balancer passes it by). */
    public boolean ejected() {
        return outlier.isEjected();
    }

    /** When its ejection ends, epoch millis; 0 when it is not ejected. */
    public long ejectedUntil() {
        return outlier.ejectedUntil;
    }

    /** How many times in a row it has been ejected, lately (the next ejection's multiplier). */
    public int ejections() {
        return outlier.ejections;
    }

    public int activeRequests() {
        return active.get();
    }

    public void requestStarted() {
        active.incrementAndGet();
    }

    public void requestFinished() {
        active.decrementAndGet();
    }

    @Override
    public String toString() {
        return label;
    }
}
