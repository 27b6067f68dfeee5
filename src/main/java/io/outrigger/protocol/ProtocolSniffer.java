package io.outrigger.protocol;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

/**
 * Sits first on a new connection, ahead of the HTTP server's handlers, and finds out what the
 * connection speaks; its {@link Dispatch} decides what to do with that. HTTP/1 is handed to those
 * handlers ({@link #startHttp}) with the bytes read so far replayed, as if nothing had been in
 * between.
 *
 * <p>Two clocks: a client that sends nothing within the detection timeout is taken to be waiting
 * for the server to speak first (MySQL, SMTP), so the connection becomes TCP at once. A client
 * that has started sending speaks first, so there is no hurry: its bytes are waited for up to
 * {@link #FIRST_LINE_TIMEOUT}, and then the connection goes where its first bytes point (a
 * partial request line to the HTTP handlers, which answer it; see {@link ProtocolDetector#undecided}).
 */
public final class ProtocolSniffer extends ChannelInboundHandlerAdapter {

    /** Set on a connection whose client had shut its sending side before HTTP took over. */
    public static final AttributeKey<Boolean> INPUT_SHUT_DOWN = AttributeKey.valueOf("outrigger.input-shut-down");
    static final Duration FIRST_LINE_TIMEOUT = Duration.ofSeconds(10);
    private static final int MAX_SNIFFED = ProtocolDetector.MAX_TLS_RECORD + 5;

    /** Who decides, knowing what the first bytes are, what becomes of the connection. */
    @FunctionalInterface
    public interface Dispatch {
        /**
         * Takes the connection over with its first bytes (which it must release or pass on):
         * {@link #startHttp} to serve it as HTTP, TCP relaying, mTLS termination, or a refusal.
         */
        void take(ChannelHandlerContext sniffer, ByteBuf firstBytes, Detection detection);
    }

    private final Detection fixed;
    private final long timeoutNanos;
    private final int maxRequestLine;
    private final Dispatch dispatch;
    private ByteBuf sniffed;
    private ScheduledFuture<?> timer;
    private boolean decided;

    private ProtocolSniffer(Detection fixed, Duration timeout, int maxRequestLine, Dispatch dispatch) {
        this.fixed = fixed;
        this.timeoutNanos = timeout.toNanos();
        this.maxRequestLine = maxRequestLine;
        this.dispatch = dispatch;
    }

    /** For {@code auto} ports. */
    public static ProtocolSniffer sniffing(Duration timeout, int maxRequestLine, Dispatch dispatch) {
        return new ProtocolSniffer(null, timeout, maxRequestLine, dispatch);
    }

    /** For ports declared non-HTTP: handed to {@code tcp} as soon as the connection is up, nothing read. */
    public static ProtocolSniffer declared(Detection detection, Dispatch dispatch) {
        return new ProtocolSniffer(detection, Duration.ZERO, 0, dispatch);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        // The HTTP handlers behind are told the connection is active only if it turns out to be HTTP.
        if (fixed != null) {
            decide(ctx, fixed);
            return;
        }
        // While sniffing, a client's FIN must not close the connection: it may be the end of what
        // a TCP client sends (a request, then shutdown(SHUT_WR), then reading the answer).
        ctx.channel().config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        timer = ctx.executor().schedule(() -> timeout(ctx), timeoutNanos, TimeUnit.NANOSECONDS);
        ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (decided || !(msg instanceof ByteBuf bytes)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (sniffed == null) {
            sniffed = ctx.alloc().buffer(Math.max(256, bytes.readableBytes()));
            timer.cancel(false);
            timer = ctx.executor().schedule(() -> timeout(ctx), FIRST_LINE_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
        }
        sniffed.writeBytes(bytes);
        ReferenceCountUtil.release(bytes);
        Detection detection = ProtocolDetector.detect(sniffed, maxRequestLine);
        if (detection == null && sniffed.readableBytes() >= Math.max(MAX_SNIFFED, maxRequestLine)) {
            detection = Detection.TCP;
        }
        if (detection != null) {
            decide(ctx, detection);
        } else {
            ctx.read();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (decided) {
            ctx.fireChannelReadComplete();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (!decided && event instanceof ChannelInputShutdownEvent) {
            // The client has said all it will say: decide on what there is.
            Detection detection = sniffed == null ? Detection.TCP : ProtocolDetector.detect(sniffed, maxRequestLine);
            decide(ctx, detection != null ? detection : ProtocolDetector.undecided(sniffed));
            return;
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (decided) {
            ctx.fireChannelInactive();
        }
        release();   // closed before anything was decided: nobody behind ever saw it
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        release();
    }

    private void timeout(ChannelHandlerContext ctx) {
        if (!decided && ctx.channel().isActive()) {
            // Silent: a server-first protocol. Started but stalled: whatever it began like.
            decide(ctx, sniffed == null ? Detection.TCP : ProtocolDetector.undecided(sniffed));
        }
    }

    private void decide(ChannelHandlerContext ctx, Detection detection) {
        decided = true;
        if (timer != null) {
            timer.cancel(false);
        }
        ByteBuf bytes = sniffed != null ? sniffed : Unpooled.EMPTY_BUFFER;
        sniffed = null;
        dispatch.take(ctx, bytes, detection);
    }

    /**
     * Hands the connection to the HTTP handlers behind {@code ctx}'s handler, which is removed:
     * they are told it is active and get {@code bytes} as if they had read them first.
     */
    public static void startHttp(ChannelHandlerContext ctx, ByteBuf bytes) {
        Channel channel = ctx.channel();
        // Reactor Netty's handlers expect a FIN to close the connection, not to half-close it.
        channel.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, false);
        if (channel instanceof DuplexChannel duplex && duplex.isInputShutdown()) {
            channel.attr(INPUT_SHUT_DOWN).set(Boolean.TRUE);
        }
        ctx.fireChannelActive();
        if (bytes.isReadable()) {
            ctx.fireChannelRead(bytes);
            ctx.fireChannelReadComplete();
        } else {
            bytes.release();
        }
        ctx.pipeline().remove(ctx.handler());
    }

    private void release() {
        if (timer != null) {
            timer.cancel(false);
        }
        if (sniffed != null) {
            sniffed.release();
            sniffed = null;
        }
    }
}
