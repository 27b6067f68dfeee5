package io.outrigger.protocol;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;

/**
 * Sits first on a connection already served as HTTP/1.1 (a port declared {@code http}, or one
 * made straight to the listener) and looks at its first bytes only: an HTTP/2 client with prior
 * knowledge (the preface) is handed to its {@link ProtocolSniffer.Dispatch} as {@link Detection#HTTP2}, as
 * Istio serves HTTP/1.1 and HTTP/2 on an {@code http} port. Anything else goes on untouched and
 * this handler leaves the pipeline: the HTTP/1.1 path pays for it once per connection. Bytes that
 * only began like the preface wait for the rest at most {@code patience} (the request-headers
 * timeout); then they are HTTP/1.1's to judge, and its headers clock starts, so a client that
 * sends a lone {@code P} is not held until the idle timeout.
 */
public final class PrefaceWatch extends ChannelInboundHandlerAdapter {

    private final ProtocolSniffer.Dispatch dispatch;
    private final Duration patience;
    private ByteBuf held;
    private ScheduledFuture<?> timer;

    public PrefaceWatch(ProtocolSniffer.Dispatch dispatch, Duration patience) {
        this.dispatch = dispatch;
        this.patience = patience;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf bytes)) {
            ctx.fireChannelRead(msg);
            return;
        }
        ByteBuf seen = bytes;
        if (held != null) {
            seen = held.writeBytes(bytes);
            bytes.release();
            held = null;
        }
        if (!ProtocolDetector.beginsPreface(seen)) {
            ctx.pipeline().remove(this);
            ctx.fireChannelRead(seen);
        } else if (seen.readableBytes() >= ProtocolDetector.HTTP2_PREFACE.length) {
            stopTimer();
            dispatch.take(ctx, seen, Detection.HTTP2);
        } else {
            // Part of the preface so far: the rest decides, if it comes in time.
            held = ctx.alloc().buffer(64).writeBytes(seen);
            seen.release();
            if (timer == null) {
                timer = ctx.executor().schedule(() -> giveUp(ctx), patience.toNanos(), TimeUnit.NANOSECONDS);
            }
            ctx.read();
        }
    }

    /** The rest of a preface never came: what did is HTTP/1.1's to judge, on its own clock. */
    private void giveUp(ChannelHandlerContext ctx) {
        timer = null;
        ByteBuf seen = held;
        if (seen == null || ctx.isRemoved()) {
            return;
        }
        held = null;
        ctx.pipeline().remove(this);
        ctx.fireChannelRead(seen);
        ctx.fireChannelReadComplete();
    }

    private void stopTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stopTimer();
        if (held != null) {
            held.release();
            held = null;
        }
    }
}
