package io.outrigger.pipeline.headers;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import io.netty.util.AsciiString;
import io.outrigger.pipeline.ProxyExchange;
import io.outrigger.pipeline.ProxyFilter;
import io.outrigger.pipeline.ProxyFilterChain;
import reactor.core.publisher.Mono;

/**
 * Keeps the request's {@code x-request-id}, or gives it one (a random UUID) when it has none, so
 * the access logs of every hop can be joined. Trace headers ({@code traceparent}, {@code b3},
 * {@code x-b3-*}) are not touched: they travel upstream as the client sent them.
 */
public final class RequestIdFilter implements ProxyFilter {

    public static final AsciiString X_REQUEST_ID = AsciiString.cached("x-request-id");

    @Override
    public Mono<Void> filter(ProxyExchange exchange, ProxyFilterChain chain) {
        String id = exchange.upstreamHeaders().get(X_REQUEST_ID);
        if (id == null || id.isEmpty()) {
            id = randomUuid();
            exchange.upstreamHeaders().set(X_REQUEST_ID, id);
        }
        exchange.requestId(id);
        return chain.filter(exchange);
    }

    /** A version-4 UUID from the thread's own generator: no lock shared between event loops. */
    static String randomUuid() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = random.nextLong() & ~0xF000L | 0x4000L;
        long low = random.nextLong() & ~(0xC000L << 48) | 0x8000L << 48;
        return new UUID(high, low).toString();
    }
}
