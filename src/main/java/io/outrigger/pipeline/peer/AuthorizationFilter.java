package io.outrigger.pipeline.peer;

import io.outrigger.common.ResponseFlag;
import io.outrigger.pipeline.LocalReply;
import io.outrigger.pipeline.ProxyExchange;
import io.outrigger.pipeline.ProxyFilter;
import io.outrigger.pipeline.ProxyFilterChain;
import io.outrigger.tls.Principals;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * Inbound authorization by the caller's verified SPIFFE ID: with
 * {@code inbound.authorization.allow-principals} set, a request from any other principal, or
 * over plaintext (no principal at all), gets 403 with flag {@code RBAC}, as Envoy's RBAC filter
 * answers; it is counted and logged like every request.
 */
public final class AuthorizationFilter implements ProxyFilter {

    private static final Logger log = LoggerFactory.getLogger(AuthorizationFilter.class);

    @Override
    public Mono<Void> filter(ProxyExchange exchange, ProxyFilterChain chain) {
        Principals allowed = exchange.snapshot() == null ? null : exchange.snapshot().inboundAuthorization();
        if (allowed == null || allowed.allows(exchange.peerPrincipal())) {
            return chain.filter(exchange);
        }
        String caller = exchange.peerPrincipal() == null ? "a caller with no mTLS identity" : exchange.peerPrincipal();
        log.warn("inbound request {} {} from {} denied: not in inbound.authorization.allow-principals",
                exchange.method(), exchange.pathAndQuery(), caller);
        return LocalReply.send(exchange, 403, ResponseFlag.RBAC, "RBAC: access denied");
    }
}
