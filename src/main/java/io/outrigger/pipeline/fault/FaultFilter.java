package io.outrigger.pipeline.fault;

import io.outrigger.common.ResponseFlag;
import io.outrigger.pipeline.LocalReply;
import io.outrigger.pipeline.ProxyExchange;
import io.outrigger.pipeline.ProxyFilter;
import io.outrigger.pipeline.ProxyFilterChain;
import reactor.core.publisher.Mono;

/**
 * Fault injection per the route's {@link FaultPolicy}: first the delay, then the abort, each on
 * its own percentage of requests, as Istio's HTTPFaultInjection. The delay waits on the request's
 * own event loop without blocking it.
 */
public final class FaultFilter implements ProxyFilter {

    @Override
    public Mono<Void> filter(ProxyExchange exchange, ProxyFilterChain chain) {
        FaultPolicy fault = exchange.route().policy(FaultPolicy.ROUTE);
        if (fault == null) {
            return chain.filter(exchange);
        }
        Mono<Void> rest = fault.abortNow()
                ? Mono.defer(() -> LocalReply.send(exchange, fault.abortStatus(), ResponseFlag.FI, "fault filter abort"))
                : Mono.defer(() -> chain.filter(exchange));
        if (fault.delayNow()) {
            exchange.addFlag(ResponseFlag.DI);
            return Mono.delay(fault.delay(), exchange.scheduler()).then(rest);
        }
        return rest;
    }
}
