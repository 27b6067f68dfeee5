package io.outrigger.listener;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import reactor.netty.NettyPipeline;

/**
 * Envoy's {@code request_headers_timeout}: from a request's first byte, its headers must be
 * complete within the limit, or the client gets 408 and the connection is closed. A client that
 * trickles header bytes (slowloris) cannot hold a connection and its memory for as long as it
 * likes by keeping it just short of idle. Two handlers around the HTTP decoder share one state:
 * the one before it sees the first raw byte, the one after it sees the decoded request.
 */
final class RequestHeadersTimeout {

    private enum State { IDLE, HEADERS, BODY }

    private static final byte[] RESPONSE = ("HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain\r\n"
            + "content-length: 24\r\nconnection: close\r\n\r\nrequest headers timeout\n").getBytes(StandardCharsets.US_ASCII);

    private final long timeoutNanos;
    private final Counter timeouts;
    private final RejectedRequests rejected;
    private State state = State.IDLE;
    private ScheduledFuture<?> timer;

    private RequestHeadersTimeout(Duration timeout, Counter timeouts, RejectedRequests rejected) {
        this.timeoutNanos = timeout.toNanos();
        this.timeouts = timeouts;
        this.rejected = rejected;
    }

    /**
     * Puts the two handlers around the HTTP decoder of a connection that has one. The one after
     * it also counts requests the decoder refused (Reactor Netty answers them 400, 414 or 431
     * itself, before any filter could count them).
     */
    static void install(ChannelPipeline pipeline, Duration timeout, Counter timeouts, RejectedRequests rejected) {
        if (pipeline.get(NettyPipeline.HttpCodec) == null) {
            return;
        }
        RequestHeadersTimeout shared = new RequestHeadersTimeout(timeout, timeouts, rejected);
        pipeline.addBefore(NettyPipeline.HttpCodec, "outrigger.headers-timer", shared.new FirstByte());
        pipeline.addAfter(NettyPipeline.HttpCodec, "outrigger.headers-done", shared.new Decoded());
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    /** Before the decoder: a request's first byte starts the clock. */
    private final class FirstByte extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (state == State.IDLE && msg instanceof ByteBuf bytes && bytes.isReadable()) {
                state = State.HEADERS;
                timer = ctx.executor().schedule(() -> expire(ctx), timeoutNanos, TimeUnit.NANOSECONDS);
            }
            ctx.fireChannelRead(msg);
        }

        private void expire(ChannelHandlerContext ctx) {
            if (state != State.HEADERS || !ctx.channel().isActive()) {
                return;
            }
            timeouts.increment();
            // Written below the encoder: no request was decoded, so nothing above could answer.
            ctx.writeAndFlush(Unpooled.wrappedBuffer(RESPONSE)).addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            cancel();
            ctx.fireChannelInactive();
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            cancel();   // the connection became a TCP relay
        }
    }

    /** After the decoder: the headers are complete; after the request's end, the next one may start. */
    private final class Decoded extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest request) {
                cancel();
                state = State.BODY;
                if (request.decoderResult().isFailure()) {
                    rejected.count(request.decoderResult().cause());
                }
            }
            if (msg instanceof LastHttpContent) {
                state = State.IDLE;
            }
            ctx.fireChannelRead(msg);
        }
    }
}
