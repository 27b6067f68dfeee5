package io.outrigger.listener;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SslContext;
import io.netty.util.AttributeKey;
import io.outrigger.common.Direction;
import io.outrigger.common.ResponseFlag;
import io.outrigger.config.OutriggerProperties;
import io.outrigger.interception.OriginalDestination;
import io.outrigger.protocol.Detection;
import io.outrigger.protocol.Protocol;
import io.outrigger.protocol.ProtocolSniffer;
import io.outrigger.snapshot.ListenerPlan;
import io.outrigger.snapshot.Snapshot;
import io.outrigger.snapshot.SnapshotHolder;
import io.outrigger.tcp.TcpDestination;
import io.outrigger.tcp.TcpProxy;
import io.outrigger.tcp.TcpSession;
import io.outrigger.telemetry.MeterCatalog;
import io.outrigger.telemetry.TcpMetrics;
import io.outrigger.tls.Alpn;
import io.outrigger.tls.MtlsAcceptor;
import io.outrigger.tls.MutualTls;
import io.outrigger.tls.Peer;
import io.outrigger.tls.TlsMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a listener does with each new connection before any byte is read: learns its original
 * destination, looks up that port's protocol and (inbound) TLS mode in the live snapshot and,
 * unless nothing needs to be looked at, puts a {@link ProtocolSniffer} in front of the HTTP
 * handlers. Then, knowing the first bytes, it serves the connection as HTTP, relays it as TCP,
 * terminates a sidecar's mTLS, or refuses it (plaintext where STRICT mode wants mTLS).
 */
final class ConnectionSetup {

    private static final Logger log = LoggerFactory.getLogger(ConnectionSetup.class);
    private static final AttributeKey<Object> ORIGINAL_DESTINATION = AttributeKey.valueOf("outrigger.original-destination");
    private static final Object NOT_REDIRECTED = new Object();
    private static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(1);

    private final Direction direction;
    private final SnapshotHolder snapshots;
    private final TcpProxy tcpProxy;
    private final TcpMetrics tcpMetrics;
    private final OriginalDestination lookup;
    private final OutriggerProperties.Limits limits;
    private final Supplier<ListenerPlan> fallback;
    private final MutualTls mtls;
    private final Counter refusedPlaintext;
    private final Counter deniedTcp;

    ConnectionSetup(Direction direction, SnapshotHolder snapshots, OriginalDestination originalDestination,
            TcpProxy tcpProxy, TcpMetrics tcpMetrics, OutriggerProperties.Limits limits,
            Supplier<ListenerPlan> fallback, MutualTls mtls, MeterRegistry registry) {
        this.direction = direction;
        this.snapshots = snapshots;
        this.tcpProxy = tcpProxy;
        this.tcpMetrics = tcpMetrics;
        this.lookup = originalDestination;
        this.limits = limits;
        this.fallback = fallback;
        this.mtls = mtls;
        String listener = direction.name().toLowerCase();
        this.refusedPlaintext = MeterCatalog.CONNECTIONS_REFUSED.counter()
                .tag(MeterCatalog.LISTENER, listener).tag(MeterCatalog.REASON, "plaintext_in_strict_mode").register(registry);
        this.deniedTcp = MeterCatalog.CONNECTIONS_REFUSED.counter()
                .tag(MeterCatalog.LISTENER, listener).tag(MeterCatalog.REASON, "rbac").register(registry);
    }

    /** Runs as the connection is registered, before it is active. */
    void init(Channel channel) {
        InetSocketAddress original = originalDestination(channel, lookup);
        Snapshot snapshot = snapshots.current();
        ListenerPlan config = snapshot != null ? snapshot.listener(direction) : fallback.get();
        Protocol protocol = protocol(snapshot, original);
        ProtocolSniffer sniffer;
        if (mtlsPossible(config, original) || strict(config, original)) {
            // A peer's mTLS can arrive on any port: look at every connection's first bytes.
            sniffer = ProtocolSniffer.sniffing(detectionTimeout(config), maxLine(), this::dispatch);
        } else {
            sniffer = switch (protocol) {
                case HTTP -> null;
                case TCP -> ProtocolSniffer.declared(Detection.TCP, this::dispatch);
                case HTTP2 -> ProtocolSniffer.declared(Detection.HTTP2, this::dispatch);
                case AUTO -> ProtocolSniffer.sniffing(detectionTimeout(config), maxLine(), this::dispatch);
            };
        }
        if (sniffer != null) {
            channel.pipeline().addFirst("outrigger.sniffer", sniffer);
        }
    }

    private void dispatch(ChannelHandlerContext ctx, ByteBuf bytes, Detection detection) {
        Channel channel = ctx.channel();
        Snapshot snapshot = snapshots.current();
        ListenerPlan config = snapshot != null ? snapshot.listener(direction) : fallback.get();
        InetSocketAddress original = originalDestination(channel, lookup);
        SslContext server = mtlsPossible(config, original) && detection.kind() == Detection.Kind.TLS
                && Alpn.isSidecar(detection.alpn()) ? mtls.server(detection.alpn()) : null;
        if (server != null) {
            ctx.pipeline().remove(ctx.handler());
            MtlsAcceptor.start(channel, bytes, server, mtls, new MtlsAcceptor.Next() {
                @Override
                public void http(ChannelHandlerContext acceptor, ByteBuf decrypted) {
                    ProtocolSniffer.startHttp(acceptor, decrypted);
                }

                @Override
                public void tcp(Channel tunnel, ByteBuf decrypted) {
                    relay(tunnel, decrypted, Detection.TCP);
                }
            });
            return;
        }
        if (strict(config, original)) {
            // Not a sidecar's mTLS, or no usable identity to terminate it with: STRICT fails closed.
            bytes.release();
            refusedPlaintext.increment();
            log.warn("inbound connection from {} refused: port {} is STRICT and this is {}", channel.remoteAddress(),
                    original != null ? original.getPort() : appPort(snapshot),
                    mtls.usable() ? "not a sidecar's mTLS" : "not possible to verify (no usable identity: " + mtls.error() + ")");
            channel.close();
            return;
        }
        Protocol declared = protocol(snapshot, original);
        boolean http = declared == Protocol.HTTP || declared == Protocol.AUTO && detection.kind() == Detection.Kind.HTTP1;
        if (http) {
            ProtocolSniffer.startHttp(ctx, bytes);
        } else {
            relay(channel, bytes, declared == Protocol.HTTP2 ? Detection.HTTP2 : detection);
        }
    }

    private void relay(Channel channel, ByteBuf firstBytes, Detection detection) {
        Snapshot snapshot = snapshots.current();
        TcpDestination destination = TcpDestination.of(snapshot, direction, originalDestination(channel, lookup));
        Peer peer = Peer.of(channel);
        if (direction == Direction.INBOUND && snapshot != null
                && !snapshot.inboundAuthorization().allows(peer == null ? null : peer.spiffeId())) {
            deniedTcp.increment();
            log.warn("inbound TCP connection from {} ({}) denied: not in inbound.authorization.allow-principals",
                    channel.remoteAddress(), peer == null ? "no mTLS identity" : peer.spiffeId());
            destination = new TcpDestination(destination.cluster(), destination.route(), null, ResponseFlag.RBAC);
        }
        TcpSession session = new TcpSession(direction, detection, snapshot, destination,
                tcpMetrics.meters(direction, destination.cluster(), peer != null, peer == null ? null : peer.spiffeId()), peer);
        Duration connectTimeout = destination.cluster() != null
                ? destination.cluster().spec().pool().connectTimeout()
                : DEFAULT_CONNECT_TIMEOUT;
        tcpProxy.relay(channel, firstBytes, session, connectTimeout, limits.tcpIdleTimeout());
    }

    private boolean strict(ListenerPlan config, InetSocketAddress original) {
        return direction == Direction.INBOUND && tlsMode(config, original) == TlsMode.STRICT;
    }

    private boolean mtlsPossible(ListenerPlan config, InetSocketAddress original) {
        return direction == Direction.INBOUND && mtls.configured() && tlsMode(config, original) != TlsMode.DISABLE;
    }

    private TlsMode tlsMode(ListenerPlan config, InetSocketAddress original) {
        return config.tlsMode(original != null ? original.getPort() : appPort(snapshots.current()));
    }

    /** The application port of a connection whose original destination is unknown. */
    private int appPort(Snapshot snapshot) {
        return snapshot != null ? snapshot.appPort() : -1;
    }

    private Protocol protocol(Snapshot snapshot, InetSocketAddress original) {
        if (direction == Direction.INBOUND) {
            int port = original != null ? original.getPort() : appPort(snapshot);
            return snapshot == null ? Protocol.AUTO : snapshot.inboundListener().protocols().of(port);
        }
        if (original == null) {
            // Not redirected: a client told to use this port. TCP would have nowhere to go, so HTTP.
            return Protocol.HTTP;
        }
        if (snapshot == null) {
            return Protocol.AUTO;
        }
        if (snapshot.tcpRoutes().match(original) != null) {
            return Protocol.TCP;   // a tcp-route says what this destination speaks
        }
        return snapshot.outboundListener().protocols().of(original.getPort());
    }

    private Duration detectionTimeout(ListenerPlan config) {
        return config.detectionTimeout();
    }

    private int maxLine() {
        return (int) limits.maxInitialLineLength().toBytes();
    }

    /** Looked up once per connection and kept on it; null when the connection was not redirected. */
    static InetSocketAddress originalDestination(Channel channel, OriginalDestination lookup) {
        Object known = channel.attr(ORIGINAL_DESTINATION).get();
        if (known == null) {
            InetSocketAddress found = lookup.of(channel);
            known = found == null ? NOT_REDIRECTED : found;
            channel.attr(ORIGINAL_DESTINATION).set(known);
        }
        return known == NOT_REDIRECTED ? null : (InetSocketAddress) known;
    }
}
