package io.outrigger.listener;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import reactor.netty.NettyPipeline;

/**
 * The two clocks of an HTTP/1.1 connection, on one timer per connection.
 * <ul>
 * <li>{@code idle-timeout} (Envoy's {@code idle_timeout}): a connection with no request in
 * progress for that long, before its first request or since its last response was written, is
 * closed and counted.
 * <li>{@code request-headers-timeout} (Envoy's {@code request_headers_timeout}): from a request's
 * first byte, its headers must be complete within the limit, or the client gets 408 and the
 * connection is closed. A client that trickles header bytes (slowloris) cannot hold a connection
 * and its memory for as long as it likes by keeping it just short of idle.
 * </ul>
 * Nothing is scheduled per request, which is the point: Reactor Netty's own idle timeout adds a
 * handler and a timer after every response and removes both at the next request, and a timer per
 * request for the headers would cost the same again. Here a request only records the time; the
 * connection's one timer, when it fires, looks at the state and either acts or sets itself for
 * the next deadline. It fires about once per {@code idle-timeout} on a busy connection. Only
 * headers that do not arrive in one read, which is rare, bring the timer forward.
 *
 * <p>Two handlers around the HTTP codec share the state: the one before it sees a request's
 * first raw byte, the one after it sees the decoded request and the written response.
 */
final class ConnectionTimeouts implements Runnable {

    private enum Reading { BETWEEN, HEADERS, BODY }

    private static final byte[] RESPONSE = ("HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain\r\n"
            + "content-length: 24\r\nconnection: close\r\n\r\nrequest headers timeout\n").getBytes(StandardCharsets.US_ASCII);

    private final long idleNanos;
    private final long headersNanos;
    private final Counter idleCloses;
    private final Counter headersTimeouts;
    private final RejectedRequests rejected;

    private ChannelHandlerContext ctx;
    private Reading reading = Reading.BETWEEN;
    /** Requests decoded whose response has not been written yet (more than one when pipelined). */
    private int responsesDue;
    private long idleSince;
    private long headersStarted;
    private ScheduledFuture<?> timer;
    private long timerDeadline;

    private ConnectionTimeouts(Duration idle, Duration headers, Counter idleCloses, Counter headersTimeouts,
            RejectedRequests rejected) {
        this.idleNanos = idle.toNanos();
        this.headersNanos = headers.toNanos();
        this.idleCloses = idleCloses;
        this.headersTimeouts = headersTimeouts;
        this.rejected = rejected;
    }

    /**
     * Puts the two handlers around the HTTP codec of a connection that has one. The one after it
     * also counts requests the decoder refused (Reactor Netty answers them 400, 414 or 431
     * itself, before any filter could count them). The clocks start when the connection becomes
     * HTTP: Outrigger's protocol sniffer holds back the connection's activation until then.
     */
    static void install(ChannelPipeline pipeline, Settings settings) {
        if (pipeline.get(NettyPipeline.HttpCodec) == null) {
            return;
        }
        ConnectionTimeouts shared = new ConnectionTimeouts(settings.idleTimeout(), settings.headersTimeout(),
                settings.idleCloses(), settings.headersTimeouts(), settings.rejected());
        pipeline.addBefore(NettyPipeline.HttpCodec, "outrigger.headers-timer", shared.new FirstByte());
        pipeline.addAfter(NettyPipeline.HttpCodec, "outrigger.request-state", shared.new Decoded());
    }

    /** What a listener's connections are held to, and the counters of what the timeouts did. */
    record Settings(Duration idleTimeout, Duration headersTimeout, Counter idleCloses,
            Counter headersTimeouts, RejectedRequests rejected) {
    }

    private boolean idle() {
        return reading == Reading.BETWEEN && responsesDue == 0;
    }

    /** The request and its response are both done, whichever ended last: the idle clock starts. */
    private void idleFromNowIfIdle() {
        if (idle() && ctx != null) {
            idleSince = now();
        }
    }

    /** The event loop's clock (a test's own, on an embedded channel). */
    private long now() {
        return ctx.executor().ticker().nanoTime();
    }

    /** Makes sure the timer fires by {@code deadline}; a timer due sooner sets itself again later. */
    private void fireBy(long deadline) {
        if (timer != null) {
            if (timerDeadline - deadline <= 0) {
                return;
            }
            timer.cancel(false);
        }
        timerDeadline = deadline;
        timer = ctx.executor().schedule(this, deadline - now(), TimeUnit.NANOSECONDS);
    }

    /** The timer: acts on a deadline that has passed, or sets itself for the next one. */
    @Override
    public void run() {
        timer = null;
        if (ctx == null || !ctx.channel().isActive()) {
            return;
        }
        long now = now();
        if (reading == Reading.HEADERS) {
            if (now - headersStarted >= headersNanos) {
                expireHeaders();
                return;
            }
            fireBy(headersStarted + headersNanos);
        }
        if (idle()) {
            if (now - idleSince >= idleNanos) {
                idleCloses.increment();
                ctx.close();
                return;
            }
            fireBy(idleSince + idleNanos);
        } else {
            // A request in progress, however long: the connection can be due for closing an
            // idle-timeout from now at the earliest, so looking again then is soon enough.
            fireBy(now + idleNanos);
        }
    }

    private void expireHeaders() {
        headersTimeouts.increment();
        // Written below the encoder: no request was decoded, so nothing above could answer.
        ctx.writeAndFlush(Unpooled.wrappedBuffer(RESPONSE)).addListener(ChannelFutureListener.CLOSE);
    }

    private void stop() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        ctx = null;
    }

    /** Before the decoder: a request's first byte starts the headers clock. */
    private final class FirstByte extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext context) {
            if (ctx == null) {
                ctx = context;
                idleSince = now();
                fireBy(idleSince + idleNanos);
            }
            context.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext context, Object msg) {
            boolean first = ctx != null && reading == Reading.BETWEEN && msg instanceof ByteBuf bytes && bytes.isReadable();
            if (first) {
                reading = Reading.HEADERS;
                headersStarted = now();
            }
            context.fireChannelRead(msg);
            if (first && reading == Reading.HEADERS && ctx != null) {   // (not closed meanwhile)
                // The headers did not come whole in this read: hold them to their deadline.
                fireBy(headersStarted + headersNanos);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext context) {
            stop();
            context.fireChannelInactive();
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext context) {
            stop();   // the connection became a TCP relay
        }
    }

    /**
     * After the decoder: the headers are complete once a request is decoded, the next request may
     * start after a request's end, and the connection is idle once every response was written.
     */
    private final class Decoded extends ChannelDuplexHandler implements ChannelFutureListener {
        @Override
        public void channelRead(ChannelHandlerContext context, Object msg) {
            if (msg instanceof HttpRequest request) {
                reading = Reading.BODY;
                responsesDue++;
                if (request.decoderResult().isFailure()) {
                    rejected.count(request.decoderResult().cause());
                }
            }
            if (msg instanceof LastHttpContent) {
                reading = Reading.BETWEEN;
                idleFromNowIfIdle();
            }
            context.fireChannelRead(msg);
        }

        @Override
        public void write(ChannelHandlerContext context, Object msg, ChannelPromise promise) {
            if (msg instanceof LastHttpContent && !informational(msg)) {
                context.write(msg, promise.unvoid()).addListener(this);
            } else {
                context.write(msg, promise);
            }
        }

        /** A response's last byte was written (or failing that, the connection closes). */
        @Override
        public void operationComplete(ChannelFuture written) {
            if (responsesDue > 0) {
                responsesDue--;
                idleFromNowIfIdle();
            }
        }

        /** A 100 Continue is whole in itself, but the response to its request is still to come. */
        private static boolean informational(Object msg) {
            return msg instanceof HttpResponse response && response.status().codeClass() == HttpStatusClass.INFORMATIONAL;
        }
    }
}
