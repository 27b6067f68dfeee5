package io.outrigger.tcp;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.socket.SocketChannel;
import io.outrigger.cluster.Cluster;
import io.outrigger.common.ResponseFlag;
import io.outrigger.telemetry.SessionRecord;
import io.outrigger.tls.Alpn;
import io.outrigger.tls.MtlsOrigination;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.netty.resources.LoopResources;

/**
 * Takes over an accepted connection and relays its bytes to an upstream one, both ways, on the
 * downstream connection's own event loop. Reading stops on a side whose peer cannot take more
 * (Netty's writability), a FIN from one side is passed on as a FIN to the other (half-close),
 * and a connection with no bytes either way for the idle timeout is closed.
 */
public final class TcpProxy {

    private static final Logger log = LoggerFactory.getLogger(TcpProxy.class);

    private final LoopResources loops;
    private final MtlsOrigination origination;
    private final Consumer<SessionRecord> onClose;

    /** @param onClose called once per connection, on its event loop, after both sides closed */
    public TcpProxy(LoopResources loops, MtlsOrigination origination, Consumer<SessionRecord> onClose) {
        this.loops = loops;
        this.origination = origination;
        this.onClose = onClose;
    }

    /**
     * To a cluster with {@code tls: mutual}, the upstream connection is this pod's mTLS with the
     * peer's sidecar, offering the TCP tunnel protocol. False (and the connection closed) when
     * there is no identity to present.
     */
    private boolean originateMtls(Channel upstream, TcpSession session) {
        Cluster cluster = session.cluster();
        if (cluster == null) {
            return true;
        }
        boolean secured = origination.originate(upstream, session.upstream(), session.peers(), List.of(Alpn.TCP),
                () -> session.flag(ResponseFlag.UF));
        if (!secured) {
            session.flag(ResponseFlag.UF);
        }
        return secured;
    }

    /**
     * Relays {@code downstream}, whose first bytes (possibly none) were read already, from now on.
     * Every handler on the connection is removed first: from here it carries only opaque bytes.
     */
    public void relay(Channel downstream, ByteBuf firstBytes, TcpSession session,
            Duration connectTimeout, Duration idleTimeout) {
        ChannelPipeline pipeline = downstream.pipeline();
        Relay.stripToTls(pipeline);
        downstream.config().setAutoRead(false);
        downstream.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        session.meters().opened();
        session.received(firstBytes.readableBytes());
        if (session.upstream() == null) {
            firstBytes.release();
            log.debug("{} tcp connection from {} refused ({})", session.direction(), downstream.remoteAddress(), session.flags());
            downstream.closeFuture().addListener(closed -> finish(session));
            downstream.close();
            return;
        }
        Relay fromDownstream = new Relay(session, true);
        Relay fromUpstream = new Relay(session, false);
        pipeline.addLast("outrigger.tcp.idle", Relay.idleHandler(idleTimeout)).addLast("outrigger.tcp.relay", fromDownstream);
        ChannelFuture connect = new Bootstrap()
                .group(downstream.eventLoop())
                .channel(loops.onChannelClass(SocketChannel.class, downstream.eventLoop()))
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()))
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.AUTO_READ, false)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel upstream) {
                        // Each side has its own idle timer, so a side left alone with bytes it
                        // cannot deliver is still closed in the end.
                        if (originateMtls(upstream, session)) {
                            upstream.pipeline().addLast(Relay.idleHandler(idleTimeout), fromUpstream);
                        }
                    }
                })
                .connect(session.upstream());
        Channel upstream = connect.channel();
        fromDownstream.peer(upstream);
        fromUpstream.peer(downstream);
        downstream.closeFuture().addListener(closed -> {
            if (!connect.isDone()) {
                session.flag(ResponseFlag.DC);   // the client left before the upstream answered
            }
            Relay.flushAndClose(upstream);
            finish(session);
        });
        connect.addListener(done -> {
            if (!done.isSuccess()) {
                firstBytes.release();
                session.flag(ResponseFlag.UF);
                log.debug("{} tcp connection to {} failed: {}", session.direction(), session.upstream(), done.cause().toString());
                downstream.close();
                return;
            }
            if (firstBytes.isReadable()) {
                upstream.write(firstBytes, upstream.voidPromise());
            } else {
                firstBytes.release();
            }
            fromDownstream.peerConnected();
            fromUpstream.peerConnected();
            if (downstream instanceof DuplexChannel duplex && duplex.isInputShutdown()) {
                Relay.forwardFin(downstream, upstream);   // the client's FIN came before the upstream was there
            }
            downstream.config().setAutoRead(true);
            upstream.config().setAutoRead(true);
        });
    }

    private void finish(TcpSession session) {
        session.end();
        session.meters().closed(session.flagBits());
        onClose.accept(session.toRecord());
    }
}
