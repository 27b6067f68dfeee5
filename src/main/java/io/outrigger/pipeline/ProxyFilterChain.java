package io.outrigger.pipeline;

import java.util.List;

import reactor.core.publisher.Mono;

/** The rest of the pipeline after the current filter. */
@FunctionalInterface
public interface ProxyFilterChain {

    Mono<Void> filter(ProxyExchange exchange);

    /**
     * Links the filters into an immutable chain, built once per stack and shared by every request:
     * invoking it allocates no chain objects.
     */
    static ProxyFilterChain of(List<ProxyFilter> filters) {
        ProxyFilterChain next = exchange -> Mono.error(new IllegalStateException("the last filter must answer the request"));
        for (int i = filters.size() - 1; i >= 0; i--) {
            ProxyFilter filter = filters.get(i);
            ProxyFilterChain rest = next;
            next = exchange -> filter.filter(exchange, rest);
        }
        return next;
    }
}
