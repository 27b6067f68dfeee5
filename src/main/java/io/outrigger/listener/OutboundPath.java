package io.outrigger.listener;

import java.net.InetSocketAddress;
import java.util.function.Supplier;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.outrigger.common.Direction;
import io.outrigger.config.OutriggerProperties;
import io.outrigger.interception.OriginalDestination;
import io.outrigger.protocol.Detection;
import io.outrigger.protocol.Protocol;
import io.outrigger.snapshot.ListenerPlan;
import io.outrigger.snapshot.Snapshot;
import io.outrigger.snapshot.SnapshotHolder;
import io.outrigger.tcp.TcpProxy;
import io.outrigger.telemetry.TcpMetrics;

/**
 * The outbound connection path, top to bottom: what the application's connection is taken to be
 * (a tcp-route's destination is TCP, else its port's protocol, else what a discovered Service at
 * that ClusterIP declares, else detected from its first bytes); HTTP/1.1 goes through the
 * outbound HTTP stack; anything else is relayed as TCP to the tcp-route's cluster, the
 * Service's endpoints or the original destination. A connection made straight to the listener,
 * not redirected, is HTTP: as TCP it would have nowhere to go.
 */
final class OutboundPath extends ConnectionPath {

    OutboundPath(SnapshotHolder snapshots, OriginalDestination lookup, TcpProxy tcpProxy, TcpMetrics tcpMetrics,
            OutriggerProperties.Limits limits, Supplier<ListenerPlan> fallback, Http2Streams http2) {
        super(Direction.OUTBOUND, snapshots, lookup, tcpProxy, tcpMetrics, limits, fallback, http2);
    }

    @Override
    void dispatch(ChannelHandlerContext ctx, ByteBuf bytes, Detection detection) {
        httpOrTcp(ctx, bytes, detection, original(ctx.channel()));
    }

    @Override
    boolean sniffAlways(ListenerPlan plan, InetSocketAddress original) {
        return false;
    }

    /** A connection not redirected is HTTP for want of a port to say otherwise: HTTP/2 stays HTTP/2. */
    @Override
    boolean http2Upstream(Protocol declared, InetSocketAddress original) {
        return original == null || super.http2Upstream(declared, original);
    }

    @Override
    Protocol declared(Snapshot snapshot, InetSocketAddress original) {
        if (original == null) {
            return Protocol.HTTP;
        }
        if (snapshot == null) {
            return Protocol.AUTO;
        }
        if (snapshot.tcpRoutes().match(original) != null) {
            return Protocol.TCP;   // a tcp-route says what this destination speaks
        }
        Protocol configured = snapshot.outboundListener().protocols().of(original.getPort());
        // Not set for the port: what a discovered Service at this ClusterIP declares, if it does.
        return configured != Protocol.AUTO ? configured : snapshot.services().protocolAt(original);
    }
}
