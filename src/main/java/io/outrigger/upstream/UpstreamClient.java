package io.outrigger.upstream;

import java.net.InetSocketAddress;

import io.outrigger.netty.EventLoops;

/**
 * Outrigger's HTTP client for one cluster, on plain Netty: it makes each endpoint's
 * per-event-loop {@link ConnectionPool}s (HTTP/1.1) and {@link Http2Pool}s, all with the cluster's limits (its connection and
 * waiting-line limits shared out over the loops) and its {@link ConnectionSecurity}.
 */
public final class UpstreamClient {

    private final EventLoops loops;
    private final PoolLimits perLoop;
    private final PoolLimits limits;
    private final Connector connector;

    public UpstreamClient(EventLoops loops, PoolLimits limits, ConnectionSecurity security) {
        this.loops = loops;
        this.limits = limits;
        this.perLoop = limits.perLoop(loops.size());
        this.connector = new Connector(loops.socketChannelType(), limits.connectTimeout(), security);
    }

    /** Pools to {@code address}, one per event loop as each first asks, secured as the cluster's connections are. */
    public EndpointConnections connectionsTo(InetSocketAddress address) {
        return connectionsTo(address, connector);
    }

    /** New pools to {@code address} whose connections are secured their own way (mTLS to the sidecar in its pod). */
    public EndpointConnections connectionsTo(InetSocketAddress address, ConnectionSecurity security) {
        return connectionsTo(address, new Connector(loops.socketChannelType(), limits.connectTimeout(), security));
    }

    private EndpointConnections connectionsTo(InetSocketAddress address, Connector connector) {
        return new EndpointConnections(loops.size(),
                loop -> new ConnectionPool(loops.loop(loop), address, connector, perLoop),
                loop -> new Http2Pool(loops.loop(loop), address, connector, perLoop));
    }
}
