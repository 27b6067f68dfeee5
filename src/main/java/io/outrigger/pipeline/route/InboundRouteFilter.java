package io.outrigger.pipeline.route;

import io.outrigger.pipeline.LocalReply;
import io.outrigger.pipeline.ProxyExchange;
import io.outrigger.pipeline.ResponseFlag;
import io.outrigger.pipeline.ProxyFilter;
import io.outrigger.pipeline.ProxyFilterChain;
import io.outrigger.routing.Route;
import reactor.core.publisher.Mono;

/** Inbound routing: every request goes to the local application, through the inbound cluster. */
public final class InboundRouteFilter implements ProxyFilter {

    @Override
    public Mono<Void> filter(ProxyExchange exchange, ProxyFilterChain chain) {
        if (exchange.snapshot() == null) {
            return LocalReply.send(exchange, 502, ResponseFlag.NR, "no route: no valid configuration has been loaded");
        }
        Route route = exchange.snapshot().inbound();
        exchange.route(route);
        exchange.cluster(route.destinations().choose());
        return chain.filter(exchange);
    }
}
