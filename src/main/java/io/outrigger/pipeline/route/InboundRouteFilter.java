package io.outrigger.pipeline.route;

import java.net.InetSocketAddress;

import io.outrigger.common.ResponseFlag;
import io.outrigger.pipeline.LocalReply;
import io.outrigger.pipeline.ProxyExchange;
import io.outrigger.pipeline.ProxyFilter;
import io.outrigger.pipeline.ProxyFilterChain;
import io.outrigger.routing.Route;
import reactor.core.publisher.Mono;

/**
 * Inbound routing: every request goes to the local application: to the port the client meant
 * when iptables redirected the connection, else to {@code inbound.app-port}.
 */
public final class InboundRouteFilter implements ProxyFilter {

    @Override
    public Mono<Void> filter(ProxyExchange exchange, ProxyFilterChain chain) {
        if (exchange.snapshot() == null) {
            return LocalReply.send(exchange, 502, ResponseFlag.NR, "no route: no valid configuration has been loaded");
        }
        Route route = exchange.snapshot().inbound();
        exchange.route(route);
        exchange.cluster(route.destinations().choose());
        InetSocketAddress original = exchange.originalDestination();
        if (original != null) {
            // Redirected by iptables: the application port the client meant, on the app address.
            exchange.upstreamAddress(new InetSocketAddress(exchange.snapshot().inboundApp().getAddress(), original.getPort()));
        }
        return chain.filter(exchange);
    }
}
