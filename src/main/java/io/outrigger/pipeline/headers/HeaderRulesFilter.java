package io.outrigger.pipeline.headers;

import io.outrigger.pipeline.ProxyExchange;
import io.outrigger.pipeline.ProxyFilter;
import io.outrigger.pipeline.ProxyFilterChain;
import io.outrigger.routing.Route;
import reactor.core.publisher.Mono;

/**
 * Applies the route's header rules: request rules to the headers about to go upstream, response
 * rules to whatever response the client gets, relayed or local.
 */
public final class HeaderRulesFilter implements ProxyFilter {

    @Override
    public Mono<Void> filter(ProxyExchange exchange, ProxyFilterChain chain) {
        Route route = exchange.route();
        HeaderRules request = route.policy(HeaderRules.REQUEST);
        if (request != null) {
            request.apply(exchange.upstreamHeaders());
        }
        HeaderRules response = route.policy(HeaderRules.RESPONSE);
        if (response != null) {
            exchange.beforeCommit(() -> response.apply(exchange.responseHeaders()));
        }
        return chain.filter(exchange);
    }
}
