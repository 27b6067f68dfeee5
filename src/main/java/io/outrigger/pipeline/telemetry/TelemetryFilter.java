package io.outrigger.pipeline.telemetry;

import io.outrigger.pipeline.LocalReply;
import io.outrigger.pipeline.ProxyExchange;
import io.outrigger.pipeline.ProxyFilter;
import io.outrigger.pipeline.ProxyFilterChain;
import io.outrigger.routing.Route;
import io.outrigger.snapshot.Snapshot;
import io.outrigger.telemetry.AccessLog;
import io.outrigger.telemetry.ExchangeRecord;
import io.outrigger.telemetry.LogFormat;
import io.outrigger.telemetry.RequestMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

/**
 * The outermost filter: when the exchange ends, however it ends, it is counted in the metrics and
 * written to the access log, once. Being outermost, it sees local replies and failures of every
 * inner filter.
 */
public final class TelemetryFilter implements ProxyFilter {

    private static final Logger failures = LoggerFactory.getLogger(TelemetryFilter.class);

    private final AccessLog log;
    private final RequestMetrics metrics;

    public TelemetryFilter(AccessLog log, RequestMetrics metrics) {
        this.log = log;
        this.metrics = metrics;
    }

    @Override
    public Mono<Void> filter(ProxyExchange exchange, ProxyFilterChain chain) {
        return Mono.defer(() -> chain.filter(exchange))
                .onErrorResume(error -> {
                    // A bug in a filter, Outrigger's or a user's, costs this request a 500, counted and logged.
                    failures.error("{} request {} {} failed inside the proxy", exchange.direction(), exchange.method(),
                            exchange.path(), error);
                    return LocalReply.send(exchange, 500, null, "internal proxy error");
                })
                .doFinally(signal -> {
            if (signal == SignalType.CANCEL) {
                exchange.cancelled();
            }
            ExchangeRecord outcome = outcome(exchange);
            metrics.record(outcome);
            log.record(outcome);
        });
    }

    /** The exchange as it ended: the one record telemetry reads. */
    static ExchangeRecord outcome(ProxyExchange exchange) {
        Snapshot snapshot = exchange.snapshot();
        Route route = exchange.route();
        return new ExchangeRecord(exchange.direction(), exchange.startMillis(), System.nanoTime() - exchange.startNanos(),
                exchange.method(), exchange.pathAndQuery(), exchange.protocol(), exchange.status(),
                exchange.flagBits(), exchange.bytesReceived(), exchange.bytesSent(), exchange.authority(),
                exchange.upstreamHost(), exchange.cluster(), route == null ? null : route.name(), exchange.requestId(),
                exchange.peerPrincipal(), exchange.mutualTls(), exchange.grpc(), exchange.grpcStatus(),
                exchange.requestMessages(), exchange.responseMessages(), exchange.retries(),
                exchange.ejections(), exchange.retryBudgetRefused(),
                // With no valid config loaded yet, log as the defaults say (text, on).
                snapshot == null ? LogFormat.TEXT : snapshot.accessLog());
    }
}
