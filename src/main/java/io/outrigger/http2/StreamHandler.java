package io.outrigger.http2;

import java.nio.channels.ClosedChannelException;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.util.ReferenceCountUtil;
import io.outrigger.common.Direction;
import io.outrigger.common.ResponseFlag;
import io.outrigger.pipeline.LocalReply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;

/**
 * One downstream HTTP/2 stream: its HEADERS frame becomes a {@link StreamExchange} run through the
 * direction's filter chain, as an HTTP/1.1 request is; its DATA frames are the request body. A
 * client that resets the stream cancels the exchange (flag {@code DC}); a response that is done
 * while the client is still sending ends the stream with {@code RST_STREAM(NO_ERROR)} (RFC 9113
 * section 8.1), so an unread body cannot hold the stream open.
 */
final class StreamHandler extends ChannelInboundHandlerAdapter implements StreamClock.Watched {

    private static final Logger log = LoggerFactory.getLogger(StreamHandler.class);

    private final StreamContext context;
    private final StreamClock clock;
    private final PrematureResets resets;
    private ChannelHandlerContext ctx;
    private boolean ended;
    private StreamExchange exchange;
    private Disposable running;

    StreamHandler(StreamContext context, StreamClock clock, PrematureResets resets) {
        this.context = context;
        this.clock = clock;
        this.resets = resets;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.read();   // the request's HEADERS frame; the body is read as it is asked for
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (exchange != null) {
            exchange.touch();
        }
        if (msg instanceof Http2HeadersFrame headers) {
            if (exchange == null) {
                start(ctx, headers);
            } else {
                exchange.body().offer(Unpooled.EMPTY_BUFFER, true);   // trailers end the body
            }
        } else if (msg instanceof Http2DataFrame data) {
            if (exchange == null) {
                data.release();
            } else {
                exchange.body().offer(data.content(), data.isEndStream());
            }
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void start(ChannelHandlerContext ctx, Http2HeadersFrame frame) {
        if (resets.tripped()) {
            // Frames read with the one that tripped the guard: not served, not sent upstream.
            ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.REFUSED_STREAM));
            return;
        }
        Http2Headers head = frame.headers();
        HttpHeaders headers = HeaderMapping.request(head);
        boolean empty = frame.isEndStream();
        if (!empty && !headers.contains(HttpHeaderNames.CONTENT_LENGTH)) {
            // A body of unknown length: framed as chunked on an HTTP/1.1 hop, by DATA frames on HTTP/2.
            headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        CharSequence method = head.method();
        CharSequence path = head.path();
        StreamBody body = new StreamBody(ctx.channel(), empty);
        if (headers.containsValue(HttpHeaderNames.EXPECT, HttpHeaderValues.CONTINUE, true)) {
            body.expectContinue();
        }
        StreamExchange current = new StreamExchange(context, ctx.channel(),
                method == null ? "" : method.toString(), path == null ? "" : path.toString(), headers,
                context.snapshots().current(), body);
        exchange = current;
        this.ctx = ctx;
        clock.opened(this);
        if (context.direction() == Direction.INBOUND) {
            current.downstreamPeer(context.peer());
            // Draining: the connection is told to go away (again, if a stream raced the drain's GOAWAY).
            current.beforeCommit(() -> {
                if (context.draining().getAsBoolean()) {
                    ctx.channel().parent().close();
                }
            });
        }
        running = context.chain().filter(current).subscribe(null, error -> {
            log.debug("stream {} failed", ctx.channel(), error);
            current.abortDownstream();
        }, () -> finished(ctx));
    }

    /** The response is whole; a client still sending is told to stop. */
    private void finished(ChannelHandlerContext ctx) {
        clock.closed(this);
        StreamBody body = exchange.body();
        boolean unread = !body.ended();
        body.discard();
        // Frames the stream holds for a reader that never came are read now, and dropped: a
        // stream closing with frames still queued does not release them.
        ctx.channel().config().setAutoRead(true);
        if (unread && ctx.channel().isActive()) {
            ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.NO_ERROR));
        }
    }

    /** The client reset the stream: the exchange is cancelled, and frames the stream still holds are read and dropped. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof Http2ResetFrame && exchange != null) {
            ended = true;
            resets.streamEnded(PrematureResets.early(System.nanoTime() - exchange.startNanos(), exchange.isResponseComplete()));
            clientGone();
            ctx.channel().config().setAutoRead(true);
        }
        ReferenceCountUtil.release(event);
    }

    /**
     * The client reset the stream or the connection went: a response not yet whole is cancelled
     * first (flag {@code DC}), so the body's failure is not taken for a malformed request.
     */
    private void clientGone() {
        if (running != null && !exchange.isResponseComplete()) {
            running.dispose();
        }
        exchange.body().fail(new ClosedChannelException());
        exchange.body().discard();
    }

    @Override
    public long lastActivity() {
        return exchange.lastActivity();
    }

    /**
     * No frame either way for the stream idle timeout (flag {@code SI}): a client that has had
     * nothing yet gets 408 {@code stream timeout} (gRPC's form of it), one that has a response
     * started gets the stream reset. The exchange is cancelled after the answer is on its way, so
     * it is logged with it, and reset upstream.
     */
    @Override
    public void idle() {
        StreamExchange current = exchange;
        if (!ctx.channel().isActive()) {
            return;
        }
        log.debug("stream {} idle for the stream idle timeout", ctx.channel());
        boolean answered = !current.responseStarted();
        if (answered) {
            current.responseHeaders().clear();   // an upstream's head, committed but not sent, is not the 408's
        }
        // A response whole upstream but not yet taken by the client (no window given) is reset too.
        LocalReply.send(current, 408, ResponseFlag.SI, "stream timeout").subscribe(null, error -> { });
        running.dispose();
        current.body().fail(new ClosedChannelException());
        if (answered) {
            finished(ctx);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (exchange != null && ctx.channel().isWritable()) {
            exchange.writable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (exchange != null) {
            clock.closed(this);
            clientGone();
            if (!ended) {
                resets.streamEnded(false);
            }
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("stream {} error", ctx.channel(), cause);
        ctx.close();
    }
}
