package io.outrigger.listener;

import java.net.InetSocketAddress;
import java.util.function.BooleanSupplier;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.outrigger.common.Direction;
import io.outrigger.http2.Http2Server;
import io.outrigger.http2.StreamContext;
import io.outrigger.netty.EventLoops;
import io.outrigger.pipeline.ProxyFilterChain;
import io.outrigger.snapshot.SnapshotHolder;
import io.outrigger.tls.Peer;

/** One listener's way into HTTP/2: its filter chain, limits and drain state, for each connection that speaks it. */
final class Http2Streams {

    private final Direction direction;
    private final SnapshotHolder snapshots;
    private final ProxyFilterChain chain;
    private final EventLoops loops;
    private final BooleanSupplier draining;
    private final Http2Server.Settings settings;

    Http2Streams(Direction direction, SnapshotHolder snapshots, ProxyFilterChain chain, EventLoops loops,
            BooleanSupplier draining, Http2Server.Settings settings) {
        this.direction = direction;
        this.snapshots = snapshots;
        this.chain = chain;
        this.loops = loops;
        this.draining = draining;
        this.settings = settings;
    }

    /** @param http2Upstream whether the upstream hop speaks HTTP/2 too, or HTTP/1.1 */
    void serve(ChannelHandlerContext previous, ByteBuf firstBytes, InetSocketAddress original, boolean http2Upstream) {
        int loop = loops.indexOf(previous.channel().eventLoop());
        StreamContext context = new StreamContext(direction, snapshots, chain, loop, loops.scheduler(loop), original,
                Peer.of(previous.channel()), draining, http2Upstream);
        Http2Server.start(previous, firstBytes, context, settings);
    }
}
