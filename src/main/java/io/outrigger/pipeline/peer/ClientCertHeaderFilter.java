package io.outrigger.pipeline.peer;

import io.netty.handler.codec.http.HttpHeaders;
import io.outrigger.pipeline.ProxyExchange;
import io.outrigger.pipeline.ProxyFilter;
import io.outrigger.pipeline.ProxyFilterChain;
import io.outrigger.tls.MutualTls;
import io.outrigger.tls.Peer;
import reactor.core.publisher.Mono;

/**
 * Tells the application who called: over mTLS, {@code x-forwarded-client-cert} in Envoy's format
 * ({@code By=<this pod's SPIFFE ID>;Hash=<SHA-256 of the caller's certificate>;URI=<caller's
 * SPIFFE ID>}). The header as a client sent it is always removed first: only Outrigger may say
 * who the caller is.
 */
public final class ClientCertHeaderFilter implements ProxyFilter {

    static final String HEADER = "x-forwarded-client-cert";

    private final MutualTls mtls;

    public ClientCertHeaderFilter(MutualTls mtls) {
        this.mtls = mtls;
    }

    @Override
    public Mono<Void> filter(ProxyExchange exchange, ProxyFilterChain chain) {
        HttpHeaders headers = exchange.upstreamHeaders();
        headers.remove(HEADER);
        Peer peer = exchange.downstreamPeer();
        if (peer != null) {
            String own = mtls.identity() == null ? null : mtls.identity().spiffeId();
            StringBuilder value = new StringBuilder(160);
            if (own != null) {
                value.append("By=").append(own).append(';');
            }
            value.append("Hash=").append(peer.certificateHash());
            if (peer.spiffeId() != null) {
                value.append(";URI=").append(peer.spiffeId());
            }
            headers.set(HEADER, value.toString());
        }
        return chain.filter(exchange);
    }
}
