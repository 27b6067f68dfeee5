package io.outrigger.upstream;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.function.BiConsumer;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * One HTTP/2 connection to an upstream endpoint, the last handler of its pipeline (after Netty's
 * frame codec and multiplexer). Each request is a stream: a child channel with the HTTP/1.1
 * object codec, so the same {@link UpstreamConnection} that drives an HTTP/1.1 connection drives
 * the stream, and trailers arrive as the last content's trailing headers.
 *
 * <p>It has room while its open streams are fewer than the peer's
 * {@code SETTINGS_MAX_CONCURRENT_STREAMS} and it has received no {@code GOAWAY}. After a GOAWAY,
 * streams the peer will not process are failed as refused (safe to retry elsewhere); the rest
 * finish, and the connection closes with its last. A connection quiet for the pool's idle timeout
 * closes when no stream is open. It is not pinged: gRPC servers take PINGs more often than every
 * five minutes as abuse and close the connection, streams and all.
 */
final class Http2Connection extends ChannelInboundHandlerAdapter {

    private final Http2Pool pool;
    private Channel channel;
    private Http2FrameCodec codec;
    private int streams;
    private boolean goingAway;
    private boolean closed;
    private boolean settled;
    private BiConsumer<Http2Connection, Throwable> ready;

    Http2Connection(Http2Pool pool) {
        this.pool = pool;
    }

    Channel channel() {
        return channel;
    }

    int streams() {
        return streams;
    }

    boolean hasRoom() {
        return !goingAway && !closed && channel.isActive()
                // The peer's SETTINGS_MAX_CONCURRENT_STREAMS: how many streams this end may open.
                && streams < codec.connection().local().maxActiveStreams();
    }

    /** Opens a stream and gives the waiter its {@link UpstreamConnection}; counted as open from now. */
    void openStream(ConnectionPool.Waiter waiter) {
        streams++;
        UpstreamConnection stream = new UpstreamConnection(new StreamOwner());
        new Http2StreamChannelBootstrap(channel)
                .handler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel child) {
                        child.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(false), new StreamAdapter(stream), stream);
                    }
                })
                .open()
                .addListener(opened -> {
                    if (opened.isSuccess()) {
                        waiter.acquired(stream);
                    } else {
                        streamEnded();
                        waiter.failed(new UpstreamException(UpstreamException.Kind.CLOSED_BEFORE_SENT,
                                "no HTTP/2 stream could be opened: " + opened.cause().getMessage(), opened.cause()));
                    }
                });
    }

    private void streamEnded() {
        streams--;
        pool.streamEnded(this);
    }

    void close() {
        closed = true;
        channel.close();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        codec = ctx.pipeline().get(Http2FrameCodec.class);
    }

    /**
     * Hands the connection out once the peer's SETTINGS have come: before them its stream limit is
     * unknown, and streams past it would be refused.
     */
    void whenSettled(BiConsumer<Http2Connection, Throwable> ready) {
        if (settled) {
            ready.accept(this, null);
        } else if (closed) {
            ready.accept(null, new ClosedChannelException());
        } else {
            this.ready = ready;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof Http2SettingsFrame && !settled) {
                settled = true;
                BiConsumer<Http2Connection, Throwable> waiting = ready;
                ready = null;
                if (waiting != null) {
                    waiting.accept(this, null);
                }
            } else if (msg instanceof Http2GoAwayFrame) {
                goingAway = true;
                pool.goingAway(this);
            }
        } finally {
            ReferenceCountUtil.release(msg);   // SETTINGS, PING acks and the like: the codec has acted on them
        }
    }

    /** Idle (nothing read for the pool's idle timeout) with no stream open: closed. A quiet open stream is left alone. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof IdleStateEvent) {
            if (streams == 0) {
                pool.idle(this);
            }
            return;
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closed = true;
        BiConsumer<Http2Connection, Throwable> waiting = ready;
        ready = null;
        if (waiting != null) {
            waiting.accept(null, new IOException("the upstream closed the connection before its HTTP/2 settings"));
        }
        pool.closed(this);
    }

    boolean goingAway() {
        return goingAway;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    /** A stream's end, whichever way it ends, counted once. */
    private final class StreamOwner implements ConnectionOwner {
        private boolean ended;

        @Override
        public void release(UpstreamConnection connection, boolean reusable) {
            // The response is whole, and the request too (else the stream is being reset): the
            // stream is closing. A stream given back unused never opened: closing it frees its place.
            connection.close();
        }

        @Override
        public void closed(UpstreamConnection connection) {
            if (!ended) {
                ended = true;
                streamEnded();
            }
        }
    }
}
