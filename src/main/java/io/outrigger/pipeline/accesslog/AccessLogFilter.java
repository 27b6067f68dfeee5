package io.outrigger.pipeline.accesslog;

import io.outrigger.pipeline.ProxyExchange;
import io.outrigger.pipeline.ProxyFilter;
import io.outrigger.pipeline.ProxyFilterChain;
import io.outrigger.pipeline.ResponseFlag;
import io.outrigger.telemetry.AccessLog;
import reactor.core.publisher.SignalType;
import reactor.core.publisher.Mono;

/**
 * The outermost filter: when the exchange ends, however it ends, it writes one access-log line.
 * Being outermost, it sees local replies and failures of every inner filter.
 */
public final class AccessLogFilter implements ProxyFilter {

    private final AccessLog log;

    public AccessLogFilter(AccessLog log) {
        this.log = log;
    }

    @Override
    public Mono<Void> filter(ProxyExchange exchange, ProxyFilterChain chain) {
        return chain.filter(exchange).doFinally(signal -> {
            // Reactor Netty also cancels the handler once a response is fully written; only a
            // cancel before that means the client went away.
            if (signal == SignalType.CANCEL && !exchange.isResponseComplete()) {
                exchange.addFlag(ResponseFlag.DC);
            }
            log.record(exchange);
        });
    }
}
