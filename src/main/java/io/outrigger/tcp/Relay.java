package io.outrigger.tcp;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.outrigger.common.ResponseFlag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Moves what one side of a relayed connection reads to the other side (its peer). */
final class Relay extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(Relay.class);

    private final RelayTally tally;
    private final boolean downstreamSide;
    private Channel peer;
    /** What arrived before the peer was connected, written once it is; null after that. */
    private List<ByteBuf> early = new ArrayList<>(2);

    Relay(RelayTally tally, boolean downstreamSide) {
        this.tally = tally;
        this.downstreamSide = downstreamSide;
    }

    void peer(Channel peer) {
        this.peer = peer;
    }

    /** The peer is connected: what came early goes first. */
    void peerConnected() {
        for (ByteBuf bytes : early) {
            peer.write(bytes, peer.voidPromise());
        }
        early = null;
        peer.flush();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf bytes)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (early == null && !peer.isActive()) {
            bytes.release();
            return;
        }
        if (downstreamSide) {
            tally.received(bytes.readableBytes());
        } else {
            tally.sent(bytes.readableBytes());
        }
        if (early != null) {
            // A read asked for before the relay took over can still arrive while the upstream connects.
            early.add(bytes);
            return;
        }
        peer.write(bytes, peer.voidPromise());
        if (!peer.isWritable()) {
            // Backpressure: stop reading until the peer's socket takes what is queued for it.
            ctx.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (early == null) {
            peer.flush();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            peer.config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof ChannelInputShutdownEvent || event == SslCloseCompletionEvent.SUCCESS) {
            forwardFin(ctx.channel(), peer);   // a FIN, or an mTLS peer's close_notify
        } else if (event instanceof IdleStateEvent) {
            log.debug("{} idle, closing", tally.describe());
            ctx.close();
        } else {
            ctx.fireUserEventTriggered(event);
        }
    }

    /**
     * {@code from} sent its FIN: once what it sent is written, shut {@code to}'s output down too
     * (inside an mTLS tunnel, with TLS's close_notify rather than a TCP half-close, which would cut
     * TLS short). Both directions are done when both outputs are shut, each side's FIN passed on
     * after its data: then both connections close.
     */
    static void forwardFin(Channel from, Channel to) {
        if (!to.isActive()) {
            return;
        }
        to.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(flushed -> {
            if (!to.isActive()) {
                return;
            }
            SslHandler tls = to.pipeline().get(SslHandler.class);
            ChannelFuture shut = tls != null ? tls.closeOutbound() : ((DuplexChannel) to).shutdownOutput();
            shut.addListener(done -> {
                if (outputDone(from)) {
                    to.close();
                    from.close();
                }
            });
        });
    }

    private static boolean outputDone(Channel channel) {
        SslHandler tls = channel.pipeline().get(SslHandler.class);
        return tls != null ? tls.engine().isOutboundDone() : ((DuplexChannel) channel).isOutputShutdown();
    }

    /** Removes every handler but TLS's: a terminated or originated mTLS tunnel stays, the rest is opaque bytes. */
    static void stripToTls(ChannelPipeline pipeline) {
        for (Map.Entry<String, ChannelHandler> entry : List.copyOf(pipeline.toMap().entrySet())) {
            if (!(entry.getValue() instanceof SslHandler)) {
                pipeline.remove(entry.getKey());
            }
        }
    }

    /** Closes a connection with no bytes either way for {@code timeout}. */
    static IdleStateHandler idleHandler(Duration timeout) {
        return new IdleStateHandler(0, 0, timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Delivers what is queued for {@code channel}, then closes it (at once if it is not open). */
    static void flushAndClose(Channel channel) {
        if (channel.isActive()) {
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        } else {
            channel.close();
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (early != null) {
            early.forEach(ByteBuf::release);
            early.clear();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        // Closed (or reset) on this side: deliver what is queued for the other, then close it.
        flushAndClose(peer);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        tally.flag(downstreamSide ? ResponseFlag.DC : ResponseFlag.UC);
        log.debug("{}: {} side failed: {}", tally.describe(),
                downstreamSide ? "downstream" : "upstream", cause.toString());
        ctx.close();   // and channelInactive passes it on to the peer, after what is queued for it
    }
}
