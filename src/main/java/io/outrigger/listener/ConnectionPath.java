package io.outrigger.listener;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.function.Supplier;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.AttributeKey;
import io.outrigger.common.Direction;
import io.outrigger.common.ResponseFlag;
import io.outrigger.config.OutriggerProperties;
import io.outrigger.interception.OriginalDestination;
import io.outrigger.protocol.Detection;
import io.outrigger.protocol.PrefaceWatch;
import io.outrigger.protocol.Protocol;
import io.outrigger.protocol.ProtocolSniffer;
import io.outrigger.snapshot.ListenerPlan;
import io.outrigger.snapshot.Snapshot;
import io.outrigger.snapshot.SnapshotHolder;
import io.outrigger.tcp.TcpDestination;
import io.outrigger.tcp.TcpProxy;
import io.outrigger.tcp.TcpSession;
import io.outrigger.telemetry.TcpMetrics;
import io.outrigger.tls.Peer;

/**
 * What a listener does with each new connection, before any byte is read and once the first bytes
 * are known: the steps every direction shares. {@link InboundPath} and {@link OutboundPath} each
 * declare, in one method, the order in which a connection goes through them: detect, terminate a
 * sidecar's mTLS, refuse, serve HTTP, authorize, relay TCP.
 */
abstract class ConnectionPath {

    private static final AttributeKey<Object> ORIGINAL_DESTINATION = AttributeKey.valueOf("outrigger.original-destination");
    private static final Object NOT_REDIRECTED = new Object();
    private static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(1);

    final Direction direction;
    final SnapshotHolder snapshots;
    private final OriginalDestination lookup;
    private final TcpProxy tcpProxy;
    private final TcpMetrics tcpMetrics;
    private final OutriggerProperties.Limits limits;
    private final Supplier<ListenerPlan> fallback;
    private final Http2Streams http2;

    ConnectionPath(Direction direction, SnapshotHolder snapshots, OriginalDestination lookup, TcpProxy tcpProxy,
            TcpMetrics tcpMetrics, OutriggerProperties.Limits limits, Supplier<ListenerPlan> fallback, Http2Streams http2) {
        this.http2 = http2;
        this.direction = direction;
        this.snapshots = snapshots;
        this.lookup = lookup;
        this.tcpProxy = tcpProxy;
        this.tcpMetrics = tcpMetrics;
        this.limits = limits;
        this.fallback = fallback;
    }

    /** The protocol the config declares for this connection's destination. */
    abstract Protocol declared(Snapshot snapshot, InetSocketAddress original);

    /** Whether every connection's first bytes must be looked at, whatever its port declares. */
    abstract boolean sniffAlways(ListenerPlan plan, InetSocketAddress original);

    /** The path a connection takes once its first bytes are known. */
    abstract void dispatch(ChannelHandlerContext ctx, ByteBuf bytes, Detection detection);

    /** Runs as the connection is registered, before it is active: looks at first bytes only where needed. */
    final void init(Channel channel) {
        InetSocketAddress original = original(channel);
        Snapshot snapshot = snapshots.current();
        ListenerPlan plan = plan(snapshot);
        ChannelHandler first = sniffAlways(plan, original)
                ? sniff(plan)
                : switch (declared(snapshot, original)) {
                    // HTTP/1.1, or HTTP/2 with prior knowledge
                    case HTTP -> new PrefaceWatch(this::dispatch, limits.requestHeadersTimeout());
                    case TCP -> ProtocolSniffer.declared(Detection.TCP, this::dispatch);
                    case HTTP2 -> ProtocolSniffer.declared(Detection.HTTP2, this::dispatch);
                    case AUTO -> sniff(plan);
                };
        channel.pipeline().addFirst("outrigger.sniffer", first);
    }

    private ProtocolSniffer sniff(ListenerPlan plan) {
        return ProtocolSniffer.sniffing(plan.detectionTimeout(), (int) limits.maxInitialLineLength().toBytes(), this::dispatch);
    }

    /** The listener's compiled settings: the live snapshot's, or the defaults' while none is loaded. */
    final ListenerPlan plan(Snapshot snapshot) {
        return snapshot != null ? snapshot.listener(direction) : fallback.get();
    }

    /**
     * Serves the connection through the direction's HTTP stack, as HTTP/2 (its preface came, or
     * its port says so) or HTTP/1.1, or relays it as TCP.
     */
    final void httpOrTcp(ChannelHandlerContext ctx, ByteBuf bytes, Detection detection, InetSocketAddress original) {
        Protocol declared = declared(snapshots.current(), original);
        if (declared == Protocol.HTTP2 || declared != Protocol.TCP && detection.kind() == Detection.Kind.HTTP2) {
            http2.serve(ctx, bytes, original, http2Upstream(declared, original));
        } else if (declared == Protocol.HTTP || declared == Protocol.AUTO && detection.kind() == Detection.Kind.HTTP1) {
            ProtocolSniffer.startHttp(ctx, bytes);
        } else {
            relay(ctx.channel(), bytes, detection);
        }
    }

    /**
     * Whether an HTTP/2 client's requests go upstream as HTTP/2: yes, unless the port says
     * {@code http} (Istio's HTTP/1.1 upstream for {@code http} ports).
     */
    boolean http2Upstream(Protocol declared, InetSocketAddress original) {
        return declared != Protocol.HTTP;
    }

    /** Serves a connection whose first bytes may be the HTTP/2 preface: HTTP/2 if they are, else HTTP/1.1. */
    final void http1Or2(ChannelHandlerContext ctx, ByteBuf bytes, InetSocketAddress original) {
        ctx.pipeline().addAfter(ctx.name(), "outrigger.preface",
                new PrefaceWatch((watch, first, detection) -> httpOrTcp(watch, first, detection, original),
                        limits.requestHeadersTimeout()));
        ProtocolSniffer.startHttp(ctx, bytes);
    }

    /** Where a TCP connection goes, refused (with a flag) or not. */
    TcpDestination destination(Snapshot snapshot, Channel channel, Peer peer) {
        return TcpDestination.of(snapshot, direction, original(channel));
    }

    /** Relays the connection as TCP to its destination, metered and logged as one session. */
    final void relay(Channel channel, ByteBuf firstBytes, Detection detection) {
        Snapshot snapshot = snapshots.current();
        Peer peer = Peer.of(channel);
        TcpDestination destination = destination(snapshot, channel, peer);
        TcpSession session = new TcpSession(direction, detection, snapshot, destination,
                tcpMetrics.meters(direction, destination.cluster(),
                        direction == Direction.INBOUND ? peer != null : destination.peers().mutual(),
                        peer == null ? null : peer.spiffeId()), peer);
        Duration connectTimeout = destination.cluster() != null
                ? destination.cluster().spec().pool().connectTimeout()
                : DEFAULT_CONNECT_TIMEOUT;
        tcpProxy.relay(channel, firstBytes, session, connectTimeout, limits.tcpIdleTimeout());
    }

    /** The connection's original destination, looked up once and kept on it; null when it was not redirected. */
    final InetSocketAddress original(Channel channel) {
        return originalDestination(channel, lookup);
    }

    static InetSocketAddress originalDestination(Channel channel, OriginalDestination lookup) {
        Object known = channel.attr(ORIGINAL_DESTINATION).get();
        if (known == null) {
            InetSocketAddress found = lookup.of(channel);
            known = found == null ? NOT_REDIRECTED : found;
            channel.attr(ORIGINAL_DESTINATION).set(known);
        }
        return known == NOT_REDIRECTED ? null : (InetSocketAddress) known;
    }

    /** A refused TCP destination: the session is logged and counted with {@code flag}, and nothing is connected. */
    static TcpDestination refused(TcpDestination destination, ResponseFlag flag) {
        return new TcpDestination(destination.cluster(), destination.route(), null, flag, destination.peers());
    }
}
