package io.outrigger.cluster;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import reactor.netty.resources.ConnectionPoolMetrics;
import reactor.netty.resources.ConnectionProvider;

/**
 * What a cluster's connection pools hold, per endpoint, summed over the event loops: read from
 * Reactor Netty's own pool counters, which it hands to this registrar as each pool is created.
 */
public final class PoolUse implements ConnectionProvider.MeterRegistrar {

    /** Connections in use, idle, and requests waiting for one. */
    public record Counts(int active, int idle, int pending) {
    }

    private final Map<SocketAddress, List<ConnectionPoolMetrics>> pools = new ConcurrentHashMap<>();

    @Override
    public void registerMetrics(String poolName, String id, SocketAddress remoteAddress, ConnectionPoolMetrics metrics) {
        pools.computeIfAbsent(remoteAddress, address -> new CopyOnWriteArrayList<>()).add(metrics);
    }

    @Override
    public void deRegisterMetrics(String poolName, String id, SocketAddress remoteAddress) {
        pools.remove(remoteAddress);
    }

    Counts of(InetSocketAddress address) {
        int active = 0;
        int idle = 0;
        int pending = 0;
        for (ConnectionPoolMetrics metrics : pools.getOrDefault(address, List.of())) {
            active += metrics.acquiredSize();
            idle += metrics.idleSize();
            pending += metrics.pendingAcquireSize();
        }
        return new Counts(active, idle, pending);
    }
}
