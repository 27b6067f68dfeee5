package io.outrigger.listener;

import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;

import io.netty.channel.Channel;
import io.outrigger.common.Direction;
import io.outrigger.interception.OriginalDestination;
import io.outrigger.netty.EventLoops;
import io.outrigger.pipeline.ProxyExchange;
import io.outrigger.pipeline.ProxyFilterChain;
import io.outrigger.pipeline.ServerExchange;
import io.outrigger.protocol.ProtocolSniffer;
import io.outrigger.snapshot.Snapshot;
import io.outrigger.snapshot.SnapshotHolder;
import io.outrigger.tls.Peer;
import org.reactivestreams.Publisher;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * Where a listener hands each HTTP request to the pipeline: reads the live snapshot once, makes
 * the exchange and runs the direction's filter chain (whose outermost filter answers whatever
 * goes wrong inside it, so a bug in a filter costs one request a 500, never the listener).
 */
final class ProxyHandler implements BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> {

    private final Direction direction;
    private final SnapshotHolder snapshots;
    private final ProxyFilterChain chain;
    private final OriginalDestination originalDestination;
    private final EventLoops loops;
    private final BooleanSupplier draining;

    ProxyHandler(Direction direction, SnapshotHolder snapshots, ProxyFilterChain chain,
            OriginalDestination originalDestination, EventLoops loops, BooleanSupplier draining) {
        this.draining = draining;
        this.direction = direction;
        this.snapshots = snapshots;
        this.chain = chain;
        this.originalDestination = originalDestination;
        this.loops = loops;
    }

    @Override
    public Publisher<Void> apply(HttpServerRequest request, HttpServerResponse response) {
        Channel[] channel = new Channel[1];
        response.withConnection(connection -> channel[0] = connection.channel());
        Snapshot snapshot = snapshots.current();
        int loop = loops.indexOf(channel[0].eventLoop());
        ProxyExchange exchange = new ServerExchange(direction, request, response, snapshot, loop,
                loops.scheduler(loop), ConnectionPath.originalDestination(channel[0], originalDestination));
        if (direction == Direction.INBOUND) {
            exchange.downstreamPeer(Peer.of(channel[0]));
        }
        if (channel[0].hasAttr(ProtocolSniffer.INPUT_SHUT_DOWN)) {
            response.keepAlive(false);   // the client sent its FIN with the request: close after answering
        }
        if (direction == Direction.INBOUND) {
            // Once draining starts, every response (in flight included) tells the client to take
            // its next request elsewhere: this listener is going away.
            exchange.beforeCommit(() -> {
                if (draining.getAsBoolean()) {
                    response.keepAlive(false);
                }
            });
        }
        return chain.filter(exchange);
    }
}
