package io.outrigger.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import org.reactivestreams.Publisher;

/**
 * One HTTP/1.1 connection to an upstream endpoint (or one HTTP/2 stream), carrying one exchange at
 * a time, the last handler of its pipeline. It writes a request, hands the response head to the
 * {@link ResponseHandler} and the body to the {@link UpstreamExchange}, and goes back to its owner
 * once request and response are whole and the upstream did not ask to close. Anything less (a
 * reset, an early answer, an abandoned exchange) closes it. Confined to its event loop.
 */
public final class UpstreamConnection extends ChannelInboundHandlerAdapter {

    private final ConnectionOwner pool;
    private final long createdNanos = System.nanoTime();
    private Channel channel;
    private int requests;
    private long idleSinceNanos;
    /** Whether the pool counts it among its open connections (set once connected). */
    boolean counted;
    boolean leased;

    private UpstreamExchange exchange;
    private RequestBodyWriter writer;
    private boolean requestWritten;
    private boolean skipInformational;

    UpstreamConnection(ConnectionOwner pool) {
        this.pool = pool;
    }

    public Channel channel() {
        return channel;
    }

    /** Whether it has carried a request before: a keep-alive connection the upstream may be closing. */
    public boolean reused() {
        return requests > 0;
    }

    /** Gives back a connection acquired and then not needed (its request was cancelled meanwhile). */
    public void giveBack() {
        pool.release(this, true);
    }

    /**
     * Sends a request, its headers used as they are. The body is {@code fullBody} (owned from here,
     * written with the head), or {@code streamedBody}, written as it comes with backpressure, or neither.
     */
    public UpstreamExchange send(HttpMethod method, String uri, HttpHeaders headers, ByteBuf fullBody,
            Publisher<ByteBuf> streamedBody, ResponseHandler handler) {
        UpstreamExchange current = new UpstreamExchange(this, handler, requests > 0);
        requests++;
        exchange = current;
        requestWritten = false;
        skipInformational = false;
        if (!channel.isActive()) {
            ReferenceCountUtil.release(fullBody);
            exchange = null;
            pool.release(this, false);
            handler.onError(new UpstreamException(UpstreamException.Kind.CLOSED_BEFORE_SENT,
                    "the upstream connection closed before the request was sent", null));
            return current;
        }
        if (streamedBody == null) {
            ByteBuf content = fullBody != null ? fullBody : Unpooled.EMPTY_BUFFER;
            if (channel.parent() != null && content.isReadable()) {   // HTTP/2: only the head's failure is "never sent"
                channel.write(new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, uri, headers)).addListener(headWritten(current));
                channel.writeAndFlush(new DefaultLastHttpContent(content)).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
            } else {
                channel.writeAndFlush(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, uri, content, headers,
                        EmptyHttpHeaders.INSTANCE)).addListener(headWritten(current));
            }
            requestWritten = true;
        } else {
            channel.writeAndFlush(new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, uri, headers))
                    .addListener(headWritten(current));
            if (exchange != current) {
                return current;   // refused as it was written: the body stays for the next try
            }
            writer = new RequestBodyWriter(this, current);
            streamedBody.subscribe(writer);
        }
        return current;
    }

    /** A head not written closes the connection; on an HTTP/2 stream, one never opened: nothing was sent. */
    private ChannelFutureListener headWritten(UpstreamExchange current) {
        return written -> {
            if (!written.isSuccess()) {
                if (channel.parent() != null) {
                    refused("the HTTP/2 stream could not be opened: " + written.cause().getMessage());
                } else {
                    channel.close();
                }
            }
        };
    }

    /** The streamed request body has been written whole. */
    void requestWritten(UpstreamExchange from) {
        if (from == exchange) {
            writer = null;
            requestWritten = true;
        }
    }

    /** The request body's source failed: the exchange fails with its error, the connection closes. */
    void requestBodyFailed(UpstreamExchange from, Throwable error) {
        if (from == exchange) {
            writer = null;
            exchange = null;
            channel.close();
            from.failed(error);
        }
    }

    /** Refused unprocessed (HTTP/2 {@code REFUSED_STREAM}, or above a {@code GOAWAY}): safe to retry anywhere. */
    void refused(String why) {
        UpstreamExchange current = exchange;
        if (current != null) {
            exchange = null;
            cancelWriter();
            channel.close();
            current.failed(new UpstreamException(UpstreamException.Kind.CLOSED_BEFORE_SENT, why, null));
        }
    }

    /** Called by an exchange given up before its end: the connection is in an unknown state. */
    void abort(UpstreamExchange from) {
        if (from == exchange) {
            exchange = null;
            cancelWriter();
            channel.close();
        }
    }

    /** Reading follows the exchange's demand: it stops while the body's subscriber asks for nothing. */
    void reading(UpstreamExchange from, boolean on) {
        if (from == exchange && channel.config().isAutoRead() != on) {
            channel.config().setAutoRead(on);
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        UpstreamExchange current = exchange;
        if (current == null) {
            // Bytes on a connection with no exchange: a stray or late answer. It cannot be reused.
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        if (msg instanceof HttpObject object && object.decoderResult().isFailure()) {
            Throwable cause = object.decoderResult().cause();
            ReferenceCountUtil.release(msg);
            exchange = null;
            cancelWriter();
            ctx.close();
            current.failed(new UpstreamException(UpstreamException.Kind.PROTOCOL,
                    "the upstream sent an invalid response: " + cause.getMessage(), cause));
            return;
        }
        if (msg instanceof HttpResponse head) {
            int code = head.status().code();
            if (code == 101 && channel.parent() == null) {   // out of HTTP and its pool, for whoever takes it over
                exchange = null;
                cancelWriter();
                current.switched(SwitchedConnection.replace(ctx, pool, this));
                current.head(head);
                return;
            }
            if (code >= 100 && code < 200 && code != 101) {
                skipInformational = true;   // 100 Continue and the like: the final answer follows
            } else {
                current.keepAlive(HttpUtil.isKeepAlive(head));
                current.head(head);
            }
        }
        if (msg instanceof HttpContent content) {
            boolean last = content instanceof LastHttpContent;
            if (skipInformational) {
                content.release();
                skipInformational = !last;
                return;
            }
            if (last) {
                HttpHeaders trailers = ((LastHttpContent) content).trailingHeaders();
                current.trailers(trailers.isEmpty() ? null : trailers);
                responseEnded(current);   // back to the pool before the last bytes go on: the next request may have it
            }
            current.content(content.content(), last);
        }
    }

    private void responseEnded(UpstreamExchange current) {
        if (exchange != current) {
            return;
        }
        exchange = null;
        channel.config().setAutoRead(true);   // an idle connection must notice the upstream closing it
        if (!requestWritten) {
            // Answered before the whole request went out: the rest of it cannot be told apart from
            // the next request, so the connection ends here (as Envoy ends it).
            cancelWriter();
            channel.close();
            return;
        }
        pool.release(this, current.keepAlive());
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        RequestBodyWriter current = writer;
        if (current != null && ctx.channel().isWritable()) {
            current.resume();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        UpstreamExchange current = exchange;
        exchange = null;
        cancelWriter();
        pool.closed(this);
        if (current != null) {
            current.failed(new UpstreamException(UpstreamException.Kind.RESET,
                    "the upstream connection closed before the response was complete", null));
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();   // a read or TLS error: the connection is gone; channelInactive tells the exchange
    }

    private void cancelWriter() {
        RequestBodyWriter current = writer;
        writer = null;
        if (current != null) {
            current.cancel();
        }
    }

    /** Whether it may carry another request, as of {@code now}. */
    boolean reusable(long now, PoolLimits limits) {
        return channel.isActive()
                && (limits.maxRequestsPerConnection() <= 0 || requests < limits.maxRequestsPerConnection())
                && (limits.maxConnectionDuration().isZero() || now - createdNanos < limits.maxConnectionDuration().toNanos());
    }

    /** The moment it stops being usable while idle, in {@link System#nanoTime()} terms. */
    long idleDeadline(PoolLimits limits) {
        long deadline = idleSinceNanos + limits.idleTimeout().toNanos();
        if (!limits.maxConnectionDuration().isZero()) {
            deadline = Math.min(deadline, createdNanos + limits.maxConnectionDuration().toNanos());
        }
        return deadline;
    }

    void idleSince(long now) {
        idleSinceNanos = now;
    }

    void close() {
        channel.close();
    }

    @Override
    public String toString() {
        return "UpstreamConnection" + channel;
    }
}
