package io.outrigger.http2;

import java.util.function.Consumer;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;

/**
 * Envoy's premature-reset guard (CVE-2023-44487, "rapid reset"), for one downstream HTTP/2
 * connection. A stream the client resets within a second of opening it, before its response is
 * whole, has cost a route, an upstream stream and a reset of that stream on the connection every
 * client shares to the endpoint, and an upstream may close that connection when too many resets
 * come over it. Netty's codec bounds RST_STREAM frames (200 in 30 s); this bounds what those that
 * pass cost: once {@value #MIN_STREAMS} streams have closed, a connection with at least half of them
 * reset early gets {@code GOAWAY(ENHANCE_YOUR_CALM)} and is closed, counted with reason
 * {@code premature_resets}. Confined to the connection's event loop.
 */
final class PrematureResets {

    static final int MIN_STREAMS = 100;
    static final long LIFETIME_NANOS = 1_000_000_000L;

    private final Channel connection;
    private final Consumer<String> connectionErrors;
    private int closed;
    private int premature;
    private boolean tripped;

    PrematureResets(Channel connection, Consumer<String> connectionErrors) {
        this.connection = connection;
        this.connectionErrors = connectionErrors;
    }

    /** Whether a stream the client reset, {@code ageNanos} after it began, was reset early. */
    static boolean early(long ageNanos, boolean responseComplete) {
        return !responseComplete && ageNanos < LIFETIME_NANOS;
    }

    /** Whether the connection is going away for its resets: a stream it still opens is refused, not served. */
    boolean tripped() {
        return tripped;
    }

    /** A stream ended, reset by its client ({@code resetEarly} if early) or closed. */
    void streamEnded(boolean resetEarly) {
        closed++;
        if (resetEarly) {
            premature++;
        }
        if (!tripped && closed >= MIN_STREAMS && premature * 2 >= closed) {
            tripped = true;
            connectionErrors.accept("premature_resets");
            // Closed below the codec, whose own close would wait for the streams in flight.
            ChannelHandlerContext codec = connection.pipeline().context(Http2FrameCodec.class);
            connection.writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.ENHANCE_YOUR_CALM))
                    .addListener(written -> codec.close());
        }
    }
}
