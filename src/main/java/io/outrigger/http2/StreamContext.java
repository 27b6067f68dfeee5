package io.outrigger.http2;

import java.net.InetSocketAddress;
import java.util.function.BooleanSupplier;

import io.outrigger.common.Direction;
import io.outrigger.pipeline.ProxyFilterChain;
import io.outrigger.snapshot.SnapshotHolder;
import io.outrigger.tls.Peer;
import reactor.core.scheduler.Scheduler;

/**
 * What every stream of one downstream HTTP/2 connection shares: the direction's filter chain, the
 * connection's event loop, where the client meant to connect, and who it is (inbound over mTLS).
 *
 * @param loop     the number of the connection's event loop
 * @param peer     the calling sidecar's verified identity, inbound over mTLS; else null
 * @param draining whether the listener is draining: the connection is then told to go away
 * @param http2Upstream whether requests go upstream as HTTP/2 (else HTTP/1.1: the port says {@code http})
 */
public record StreamContext(Direction direction, SnapshotHolder snapshots, ProxyFilterChain chain, int loop,
        Scheduler scheduler, InetSocketAddress originalDestination, Peer peer, BooleanSupplier draining,
        boolean http2Upstream) {
}
