package io.outrigger.pipeline;

import reactor.core.publisher.Mono;
import io.outrigger.common.ResponseFlag;

/**
 * Answers a request whose target has no form a proxy forwards ({@code GET shop/items}) with 400
 * and flag {@code DPE}, before routing: the request is malformed, not the upstream's to judge.
 */
public final class RequestTargetFilter implements ProxyFilter {

    @Override
    public Mono<Void> filter(ProxyExchange exchange, ProxyFilterChain chain) {
        if (!exchange.targetValid()) {
            return LocalReply.send(exchange, 400, ResponseFlag.DPE, "malformed request target");
        }
        return chain.filter(exchange);
    }
}
