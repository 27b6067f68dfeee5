package io.outrigger.listener;

import java.net.InetSocketAddress;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
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
import io.outrigger.common.MeterCatalog;
import io.outrigger.telemetry.TcpMetrics;
import io.outrigger.tls.Alpn;
import io.outrigger.tls.MtlsAcceptor;
import io.outrigger.tls.MutualTls;
import io.outrigger.tls.Peer;
import io.outrigger.tls.TlsMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inbound connection path, top to bottom (see {@link #dispatch}): a sidecar's mTLS is
 * terminated, and what it carries takes the rest of the path decrypted; on a STRICT port anything
 * else is refused; HTTP/1.1 goes through the inbound HTTP stack (which authorizes each request);
 * anything else is authorized by the caller's SPIFFE ID and relayed as TCP to the application.
 * Where the pod has an identity and the port is not DISABLE, every connection's first bytes are
 * looked at, since a peer's mTLS may arrive on any port.
 */
final class InboundPath extends ConnectionPath {

    private static final Logger log = LoggerFactory.getLogger(InboundPath.class);

    private final MutualTls mtls;
    private final Counter refusedPlaintext;
    private final Counter deniedTcp;

    InboundPath(SnapshotHolder snapshots, OriginalDestination lookup, TcpProxy tcpProxy, TcpMetrics tcpMetrics,
            OutriggerProperties.Limits limits, Supplier<ListenerPlan> fallback, Http2Streams http2, MutualTls mtls,
            MeterRegistry registry) {
        super(Direction.INBOUND, snapshots, lookup, tcpProxy, tcpMetrics, limits, fallback, http2);
        this.mtls = mtls;
        this.refusedPlaintext = MeterCatalog.CONNECTIONS_REFUSED.counter()
                .tag(MeterCatalog.LISTENER, "inbound").tag(MeterCatalog.REASON, "plaintext_in_strict_mode").register(registry);
        this.deniedTcp = MeterCatalog.CONNECTIONS_REFUSED.counter()
                .tag(MeterCatalog.LISTENER, "inbound").tag(MeterCatalog.REASON, "rbac").register(registry);
    }

    @Override
    void dispatch(ChannelHandlerContext ctx, ByteBuf bytes, Detection detection) {
        Channel channel = ctx.channel();
        InetSocketAddress original = original(channel);
        TlsMode mode = tlsMode(plan(snapshots.current()), original);
        SslContext server = mtlsPossible(mode) && detection.kind() == Detection.Kind.TLS && Alpn.isSidecar(detection.alpn())
                ? mtls.server(detection.alpn())
                : null;
        if (server != null) {
            terminateMtls(ctx, bytes, server);
        } else if (mode == TlsMode.STRICT) {
            refusePlaintext(channel, bytes, original);
        } else {
            httpOrTcp(ctx, bytes, detection, original);
        }
    }

    /** Decrypts a sidecar's mTLS; inside, HTTP goes to the HTTP stack and a tunnel is relayed as TCP. */
    private void terminateMtls(ChannelHandlerContext ctx, ByteBuf bytes, SslContext server) {
        ctx.pipeline().remove(ctx.handler());
        MtlsAcceptor.start(ctx.channel(), bytes, server, mtls, new MtlsAcceptor.Next() {
            @Override
            public void http(ChannelHandlerContext acceptor, ByteBuf decrypted) {
                InetSocketAddress original = original(acceptor.channel());
                if (Alpn.H2.equals(acceptor.pipeline().get(SslHandler.class).applicationProtocol())) {
                    httpOrTcp(acceptor, decrypted, Detection.HTTP2, original);   // ALPN said HTTP/2
                } else {
                    // HTTP/1.1, or HTTP/2 from a sidecar that did not say so: the preface tells.
                    http1Or2(acceptor, decrypted, original);
                }
            }

            @Override
            public void tcp(Channel tunnel, ByteBuf decrypted) {
                relay(tunnel, decrypted, Detection.TCP);
            }
        });
    }

    /** STRICT fails closed: not a sidecar's mTLS, or no usable identity to terminate it with. */
    private void refusePlaintext(Channel channel, ByteBuf bytes, InetSocketAddress original) {
        bytes.release();
        refusedPlaintext.increment();
        log.warn("inbound connection from {} refused: port {} is STRICT and this is {}", channel.remoteAddress(),
                original != null ? original.getPort() : appPort(snapshots.current()),
                mtls.usable() ? "not a sidecar's mTLS" : "not possible to verify (no usable identity: " + mtls.error() + ")");
        channel.close();
    }

    /** TCP to the application, unless the caller's SPIFFE ID is not among those allowed. */
    @Override
    TcpDestination destination(Snapshot snapshot, Channel channel, Peer peer) {
        TcpDestination destination = super.destination(snapshot, channel, peer);
        if (snapshot != null && !snapshot.inboundAuthorization().allows(peer == null ? null : peer.spiffeId())) {
            deniedTcp.increment();
            log.warn("inbound TCP connection from {} ({}) denied: not in inbound.authorization.allow-principals",
                    channel.remoteAddress(), peer == null ? "no mTLS identity" : peer.spiffeId());
            return refused(destination, ResponseFlag.RBAC);
        }
        return destination;
    }

    @Override
    boolean sniffAlways(ListenerPlan plan, InetSocketAddress original) {
        TlsMode mode = tlsMode(plan, original);
        return mtlsPossible(mode) || mode == TlsMode.STRICT;
    }

    @Override
    Protocol declared(Snapshot snapshot, InetSocketAddress original) {
        return snapshot == null ? Protocol.AUTO
                : snapshot.inboundListener().protocols().of(original != null ? original.getPort() : appPort(snapshot));
    }

    private boolean mtlsPossible(TlsMode mode) {
        return mtls.configured() && mode != TlsMode.DISABLE;
    }

    private TlsMode tlsMode(ListenerPlan plan, InetSocketAddress original) {
        return plan.tlsMode(original != null ? original.getPort() : appPort(snapshots.current()));
    }

    /** The application port, for a connection whose original destination is unknown. */
    private static int appPort(Snapshot snapshot) {
        return snapshot != null ? snapshot.appPort() : -1;
    }
}
