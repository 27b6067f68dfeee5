package io.outrigger.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Sits first on a connection already served as HTTP/1.1 (a port declared {@code http}, or one
 * made straight to the listener) and looks at its first bytes only: an HTTP/2 client with prior
 * knowledge (the preface) is handed to its {@link ProtocolSniffer.Dispatch} as {@link Detection#HTTP2}, as
 * Istio serves HTTP/1.1 and HTTP/2 on an {@code http} port. Anything else goes on untouched and
 * this handler leaves the pipeline: the HTTP/1.1 path pays for it once per connection.
 */
public final class PrefaceWatch extends ChannelInboundHandlerAdapter {

    private final ProtocolSniffer.Dispatch dispatch;
    private ByteBuf held;

    public PrefaceWatch(ProtocolSniffer.Dispatch dispatch) {
        this.dispatch = dispatch;
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
            dispatch.take(ctx, seen, Detection.HTTP2);
        } else {
            // Part of the preface so far: the rest decides.
            held = ctx.alloc().buffer(64).writeBytes(seen);
            seen.release();
            ctx.read();
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (held != null) {
            held.release();
            held = null;
        }
    }
}
