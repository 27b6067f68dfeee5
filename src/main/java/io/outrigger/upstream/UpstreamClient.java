package io.outrigger.upstream;

import java.net.InetSocketAddress;

import io.outrigger.netty.EventLoops;

/**
 * Outrigger's HTTP/1.1 client for one cluster, on plain Netty: it makes each endpoint's
 * per-event-loop {@link ConnectionPool}s, all with the cluster's limits (its connection and
 * waiting-line limits shared out over the loops) and its {@link ConnectionSecurity}.
 */
public final class UpstreamClient {

    private final EventLoops loops;
    private final PoolLimits perLoop;
    private final Connector connector;

    public UpstreamClient(EventLoops loops, PoolLimits limits, ConnectionSecurity security) {
        this.loops = loops;
        this.perLoop = limits.perLoop(loops.size());
        this.connector = new Connector(loops.socketChannelType(), limits.connectTimeout(), security);
    }

    /** New pools to {@code address}, one per event loop. */
    public EndpointConnections connectionsTo(InetSocketAddress address) {
        ConnectionPool[] pools = new ConnectionPool[loops.size()];
        for (int i = 0; i < pools.length; i++) {
            pools[i] = new ConnectionPool(loops.loop(i), address, connector, perLoop);
        }
        return new EndpointConnections(pools);
    }
}
