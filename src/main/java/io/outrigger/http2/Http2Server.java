package io.outrigger.http2;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2FrameStreamException;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a downstream connection as HTTP/2 once its first bytes showed the client preface (h2c
 * with prior knowledge, or inside a sidecar's mTLS): Netty's HTTP/2 codec for the connection,
 * with each stream a child channel whose {@link StreamHandler} runs it through the filter chain.
 *
 * <p>The codec enforces what the limits say: at most {@code max-concurrent-streams} open streams
 * (more are refused with {@code REFUSED_STREAM}), a header list of at most
 * {@code max-request-headers-size}, a per-stream window of {@code http2-stream-window}, and
 * Netty's bounds on floods of RST_STREAM frames, of empty or CONTINUATION frames and of control
 * frames left unanswered (PING, SETTINGS). A connection with no stream open for
 * {@code idle-timeout} is closed with {@code GOAWAY}.
 */
public final class Http2Server {

    private static final Logger log = LoggerFactory.getLogger(Http2Server.class);

    /**
     * The limits of one listener's HTTP/2 connections.
     *
     * @param connectionErrors counts a connection closed for what its client sent, by HTTP/2 error name
     */
    public record Settings(int maxConcurrentStreams, long maxHeaderListSize, int streamWindow, Duration idleTimeout,
            Duration streamIdleTimeout, Duration drainTimeout, Consumer<String> connectionErrors) {
    }

    private Http2Server() {
    }

    /**
     * Takes the connection over from {@code previous} (the protocol sniffer, or the mTLS acceptor,
     * which is removed), replacing the HTTP/1.1 handlers after it; {@code firstBytes} (the preface
     * and whatever came with it) are read as if they had just arrived.
     */
    public static void start(ChannelHandlerContext previous, ByteBuf firstBytes, StreamContext context, Settings settings) {
        Channel channel = previous.channel();
        ChannelPipeline pipeline = channel.pipeline();
        boolean after = false;
        for (Map.Entry<String, ChannelHandler> entry : List.copyOf(pipeline.toMap().entrySet())) {
            if (after) {
                pipeline.remove(entry.getValue());
            } else if (entry.getValue() == previous.handler()) {
                after = true;
            }
        }
        channel.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, false);
        Http2FrameCodec codec = Http2FrameCodecBuilder.forServer()
                .initialSettings(Http2Settings.defaultSettings()
                        .maxConcurrentStreams(settings.maxConcurrentStreams())
                        .maxHeaderListSize(settings.maxHeaderListSize())
                        .initialWindowSize(settings.streamWindow()))
                .validateHeaders(true)
                .gracefulShutdownTimeoutMillis(settings.drainTimeout().toMillis())
                .build();
        long idleMillis = settings.idleTimeout().toMillis();
        StreamClock clock = new StreamClock(settings.streamIdleTimeout().toNanos(), channel.eventLoop());
        channel.closeFuture().addListener(closed -> clock.stop());
        PrematureResets resets = new PrematureResets(channel, settings.connectionErrors());
        // Reads only: watching writes too would add a listener to every write.
        pipeline.addLast("outrigger.h2.idle", new IdleStateHandler(idleMillis, 0, 0, TimeUnit.MILLISECONDS))
                .addLast("outrigger.h2", codec)
                .addLast("outrigger.h2.events", new ConnectionEvents(codec, settings.connectionErrors(), resets))
                .addLast("outrigger.h2.streams", new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel stream) {
                        stream.config().setAutoRead(false);
                        stream.pipeline().addLast(new StreamHandler(context, clock, resets));
                    }
                }));
        previous.fireChannelRead(firstBytes);
        previous.fireChannelReadComplete();
        pipeline.remove(previous.handler());
        channel.config().setAutoRead(true);
        channel.read();
    }

    /**
     * Closes, with GOAWAY, a connection that has had no stream open for the idle timeout; counts
     * each connection the codec closed with an error GOAWAY, once: for what the client sent, or
     * for control frames it left unread (a PING or SETTINGS flood, which the codec finds as it
     * writes and reports to no handler). The premature-reset guard counts its own.
     */
    private static final class ConnectionEvents extends ChannelInboundHandlerAdapter {
        private final Http2FrameCodec codec;

        ConnectionEvents(Http2FrameCodec codec, Consumer<String> connectionErrors, PrematureResets resets) {
            this.codec = codec;
            codec.connection().addListener(new Http2ConnectionAdapter() {
                private boolean counted;

                @Override
                public void onGoAwaySent(int lastStreamId, long errorCode, ByteBuf debugData) {
                    Http2Error error = Http2Error.valueOf(errorCode);
                    if (!counted && errorCode != Http2Error.NO_ERROR.code() && !resets.tripped()) {
                        counted = true;
                        connectionErrors.accept(error == null ? "unknown" : error.name().toLowerCase(Locale.ROOT));
                    }
                }
            });
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event instanceof IdleStateEvent && codec.connection().numActiveStreams() == 0) {
                ctx.close();
                return;
            }
            ctx.fireUserEventTriggered(event);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof Http2Exception error && !(error instanceof Http2Exception.StreamException)) {
                // The codec has sent GOAWAY with this error (counted as it went) and is closing the connection.
                log.debug("HTTP/2 connection from {} closed: {}", ctx.channel().remoteAddress(), error.getMessage());
            } else if (cause instanceof Http2FrameStreamException || cause instanceof Http2Exception) {
                ctx.fireExceptionCaught(cause);   // one stream's: the multiplexer hands it to that stream
            } else {
                log.debug("HTTP/2 connection from {} failed", ctx.channel().remoteAddress(), cause);
                ctx.close();
            }
        }
    }
}
