package io.outrigger.tcp;

import java.time.Duration;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;

/**
 * Joins two connections that are open already into a relay of bytes both ways: what an HTTP/1.1
 * exchange becomes once its upstream switched protocols (a WebSocket). The same {@link Relay}s as
 * a TCP session's: backpressure by writability, a FIN passed on as a FIN, the idle timeout.
 */
public final class Tunnel {

    private Tunnel() {
    }

    /**
     * Strips both connections down to their TLS (if any), writes {@code head} (the 101 going
     * down) and {@code early} (what the upstream sent right after its own 101) to the downstream,
     * and relays both ways from then on. {@code ended} runs once, when both connections have
     * closed. Runs on the event loop the two connections share.
     */
    public static void join(Channel downstream, ByteBuf head, Channel upstream, List<ByteBuf> early, RelayTally tally,
            Duration idleTimeout, Runnable ended) {
        Relay fromDownstream = new Relay(tally, true);
        Relay fromUpstream = new Relay(tally, false);
        fromDownstream.peer(upstream);
        fromUpstream.peer(downstream);
        install(downstream, fromDownstream, idleTimeout);
        install(upstream, fromUpstream, idleTimeout);
        fromDownstream.peerConnected();
        fromUpstream.peerConnected();
        downstream.write(head, downstream.voidPromise());
        for (ByteBuf bytes : early) {
            tally.sent(bytes.readableBytes());
            downstream.write(bytes, downstream.voidPromise());
        }
        downstream.flush();
        int[] open = {2};
        ChannelFutureListener closed = future -> {
            if (--open[0] == 0) {
                ended.run();
            }
        };
        // A side that closed before the relay was in place has no relay to pass its close on.
        downstream.closeFuture().addListener(future -> Relay.flushAndClose(upstream)).addListener(closed);
        upstream.closeFuture().addListener(future -> Relay.flushAndClose(downstream)).addListener(closed);
        downstream.config().setAutoRead(true);
        upstream.config().setAutoRead(true);
    }

    private static void install(Channel channel, Relay relay, Duration idleTimeout) {
        Relay.stripToTls(channel.pipeline());
        channel.config().setAutoRead(false);
        channel.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        channel.pipeline().addLast("outrigger.tcp.idle", Relay.idleHandler(idleTimeout)).addLast("outrigger.tcp.relay", relay);
    }
}
