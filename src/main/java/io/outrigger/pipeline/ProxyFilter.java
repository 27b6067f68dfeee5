package io.outrigger.pipeline;

import reactor.core.publisher.Mono;

/**
 * One layer of Outrigger's request pipeline, shaped like WebFlux's {@code WebFilter}: do some work,
 * then either answer the request itself or hand it on with {@code chain.filter(exchange)}.
 *
 * <p>A Spring bean implementing this interface joins both the inbound and the outbound stacks at
 * the user-filter point: after routing, fault injection and header rules, before the upstream
 * call (see {@link OutboundStack}). It sees the chosen route and cluster, may change the headers
 * sent upstream, or may answer the request itself. Beans are ordered by {@code @Order}; a filter
 * meant for one direction checks {@link ProxyExchange#direction()}.
 */
@FunctionalInterface
public interface ProxyFilter {

    Mono<Void> filter(ProxyExchange exchange, ProxyFilterChain chain);
}
