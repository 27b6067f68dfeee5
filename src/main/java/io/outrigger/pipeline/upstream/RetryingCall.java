package io.outrigger.pipeline.upstream;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

import io.outrigger.cluster.Cluster;
import io.outrigger.cluster.Endpoint;
import io.outrigger.pipeline.ProxyExchange;
import io.outrigger.pipeline.ResponseFlag;
import io.outrigger.pipeline.retry.Backoff;
import io.outrigger.pipeline.retry.RetryPolicy;
import reactor.core.publisher.Mono;

/**
 * Executes a request's tries as its route's {@link RetryPolicy} decides, until a response to
 * relay or a final {@link UpstreamFailure}. Besides the policy, one rule is Outrigger's own: a try
 * that failed on a reused keep-alive connection before any response byte is tried once more on
 * another connection, if the body can be sent again. The upstream most likely closed that idle
 * connection as the request went out, and never saw it (Envoy's familiar "503 UC").
 */
final class RetryingCall {

    private final ProxyExchange exchange;
    private final RequestBody body;
    private final RetryPolicy policy;
    private final Backoff backoff;
    private final boolean idempotent;
    private boolean raceRetried;
    private int retries;

    RetryingCall(ProxyExchange exchange, RequestBody body, Backoff backoff) {
        this.exchange = exchange;
        this.body = body;
        this.policy = exchange.route().retryPolicy();
        this.backoff = backoff;
        this.idempotent = RetryPolicy.isIdempotent(exchange.method());
    }

    Mono<UpstreamResponse> execute() {
        Cluster cluster = exchange.cluster();
        Endpoint endpoint = cluster.pick();
        if (endpoint == null) {
            return Mono.error(new UpstreamFailure(503, ResponseFlag.UH, "no healthy upstream", null));
        }
        exchange.upstreamHost(endpoint.label());
        UpstreamTry attempt = new UpstreamTry(exchange, endpoint, body);
        Mono<UpstreamResponse> response = attempt.send();
        Duration perTry = policy.perTryTimeout();
        if (perTry != null) {
            response = response.timeout(perTry, exchange.scheduler());
        }
        return response
                .flatMap(this::retryStatus)
                .onErrorResume(error -> retryFailure(attempt, attempt.classify(error)));
    }

    private Mono<UpstreamResponse> retryStatus(UpstreamResponse response) {
        if (retries < policy.attempts() && body.replayable() && policy.retriesStatus(response.status(), idempotent)) {
            response.discard();
            return retryAfterBackoff();
        }
        return Mono.just(response);
    }

    private Mono<UpstreamResponse> retryFailure(UpstreamTry attempt, UpstreamFailure failure) {
        if (failure.flag() == ResponseFlag.UH || failure.flag() == ResponseFlag.UO) {
            return Mono.error(failure);
        }
        if (!raceRetried && body.replayable() && attempt.failedOnReusedConnection(failure)) {
            raceRetried = true;
            exchange.retried();
            return Mono.defer(this::execute);
        }
        boolean retriable = switch (failure.flag()) {
            case UF -> policy.retriesConnectFailure();
            case UC, UT -> policy.retriesReset(true);
            default -> false;
        };
        if (!retriable || !body.replayable()) {
            return Mono.error(failure);
        }
        if (retries >= policy.attempts()) {
            if (retries > 0) {
                exchange.addFlag(ResponseFlag.URX);
            }
            return Mono.error(failure);
        }
        return retryAfterBackoff();
    }

    private Mono<UpstreamResponse> retryAfterBackoff() {
        retries++;
        exchange.retried();
        Duration wait = backoff.delay(retries, bound -> ThreadLocalRandom.current().nextLong(bound));
        return Mono.delay(wait, exchange.scheduler()).then(Mono.defer(this::execute));
    }
}
