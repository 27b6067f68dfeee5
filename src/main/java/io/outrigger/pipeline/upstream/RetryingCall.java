package io.outrigger.pipeline.upstream;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

import io.netty.handler.codec.http.HttpHeaders;
import io.outrigger.cluster.Cluster;
import io.outrigger.cluster.Endpoint;
import io.outrigger.common.ResponseFlag;
import io.outrigger.pipeline.Grpc;
import io.outrigger.pipeline.ProxyExchange;
import io.outrigger.pipeline.retry.Backoff;
import io.outrigger.pipeline.retry.RetryPolicy;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Signal;

/**
 * Executes a request's tries as its route's {@link RetryPolicy} decides, until a response to
 * relay or a final {@link UpstreamFailure}. Each try's outcome is decided once, by the try
 * itself: a later try's failure is never taken for an earlier one's.
 *
 * <p>Besides the policy, one rule is Outrigger's own, the one Go's HTTP client follows: a try that
 * failed on a reused keep-alive connection before any response byte is tried once more on
 * another connection, if the body can be sent again and either nothing of the request had been
 * written or the request is idempotent. The upstream most likely closed that idle connection as
 * the request went out and never saw it (the race behind Envoy's familiar "503 UC").
 */
final class RetryingCall {

    private final ProxyExchange exchange;
    private final RequestBody body;
    private final RetryPolicy policy;
    private final Backoff backoff;
    private final boolean idempotent;
    private boolean raceRetried;
    private boolean holdsRetryPlace;
    private int retries;

    RetryingCall(ProxyExchange exchange, RequestBody body, Backoff backoff) {
        this.exchange = exchange;
        this.body = body;
        RetryPolicy routed = exchange.route().policy(RetryPolicy.ROUTE);
        this.policy = routed != null ? routed : RetryPolicy.DEFAULT;
        this.backoff = backoff;
        this.idempotent = RetryPolicy.isIdempotent(exchange.method()) || hasIdempotencyKey(exchange.requestHeaders());
    }

    Mono<UpstreamResponse> execute() {
        Cluster cluster = exchange.cluster();
        InetSocketAddress fixed = exchange.upstreamAddress();
        Endpoint pinned = exchange.pinnedEndpoint();
        Endpoint endpoint = pinned != null ? pinned : fixed != null ? cluster.endpointFor(fixed) : cluster.pick();
        if (endpoint == null) {
            return Mono.error(new UpstreamFailure(503, ResponseFlag.UH, "no healthy upstream", null));
        }
        exchange.upstreamHost(endpoint.label());
        exchange.upstreamEndpoint(endpoint);
        UpstreamTry attempt = new UpstreamTry(exchange, endpoint, body);
        Mono<UpstreamResponse> response = attempt.send();
        Duration perTry = policy.perTryTimeout();
        if (perTry != null) {
            response = response.timeout(perTry, exchange.scheduler());
        }
        return response.materialize().flatMap(signal -> decide(attempt, signal));
    }

    private Mono<UpstreamResponse> decide(UpstreamTry attempt, Signal<UpstreamResponse> signal) {
        if (signal.isOnNext()) {
            observe(attempt, signal.get().status());
            return retryStatus(signal.get());
        }
        Throwable error = signal.isOnError() ? signal.getThrowable() : new IllegalStateException("no response");
        UpstreamFailure failure = attempt.classify(error);
        if (failure.flag() == ResponseFlag.UF || failure.flag() == ResponseFlag.UC || failure.flag() == ResponseFlag.UT) {
            observe(attempt, 503);   // the endpoint failed to answer: a gateway error, as Envoy counts it
        }
        return retryFailure(attempt, failure);
    }

    /** Outlier detection learns of every answer; a retry after an ejection picks another endpoint. */
    private void observe(UpstreamTry attempt, int status) {
        if (exchange.cluster().observe(attempt.endpoint(), status)) {
            exchange.ejected();
        }
    }

    private boolean retriesGrpc(UpstreamResponse response) {
        String status = exchange.grpc() ? response.headers().get("grpc-status") : null;
        return status != null && policy.retriesGrpc(Grpc.status(status));
    }

    private Mono<UpstreamResponse> retryStatus(UpstreamResponse response) {
        if (!(policy.retriesStatus(response.status(), idempotent) || retriesGrpc(response)) || !body.replayable()) {
            return Mono.just(response);
        }
        if (retries >= policy.attempts()) {
            if (retries > 0) {
                exchange.addFlag(ResponseFlag.URX);
            }
            return Mono.just(response);
        }
        if (!budgetAllowsRetry()) {
            return Mono.just(response);
        }
        response.discard();
        return retryAfterBackoff();
    }

    private Mono<UpstreamResponse> retryFailure(UpstreamTry attempt, UpstreamFailure failure) {
        if (body.downstreamFailed()) {
            // The client's body broke off or was malformed: no upstream is to blame, none is retried.
            return Mono.error(new UpstreamFailure(400, ResponseFlag.DPE, "malformed request body", failure.getCause()));
        }
        if (failure.flag() == ResponseFlag.UH || failure.flag() == ResponseFlag.UO) {
            return Mono.error(failure);
        }
        boolean sent = attempt.requestSent(failure);
        if (!raceRetried && body.replayable() && attempt.failedOnReusedConnection(failure) && (!sent || idempotent)) {
            raceRetried = true;
            exchange.retried();
            return Mono.defer(this::execute);
        }
        boolean retriable = switch (failure.flag()) {
            case UF -> policy.retriesConnectFailure();
            case UC, UT -> policy.retriesReset(sent);
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
        if (!budgetAllowsRetry()) {
            return Mono.error(failure);
        }
        return retryAfterBackoff();
    }

    /**
     * A retry takes a place in the cluster's retry budget, held until the call ends; with the
     * budget spent, the last answer stands (counted) rather than adding load to a failing upstream.
     */
    private boolean budgetAllowsRetry() {
        if (holdsRetryPlace) {
            return true;
        }
        if (exchange.cluster().tryStartRetry()) {
            holdsRetryPlace = true;
            return true;
        }
        exchange.refuseRetryByBudget();
        return false;
    }

    /** Called once the call has ended, however it ended. */
    void finished() {
        if (holdsRetryPlace) {
            holdsRetryPlace = false;
            exchange.cluster().retryFinished();
        }
    }

    private Mono<UpstreamResponse> retryAfterBackoff() {
        retries++;
        exchange.retried();
        Duration wait = backoff.delay(retries, bound -> ThreadLocalRandom.current().nextLong(bound));
        return Mono.delay(wait, exchange.scheduler()).then(Mono.defer(this::execute));
    }

    /** A client that sends an idempotency key says a repeat is safe, whatever the method. */
    private static boolean hasIdempotencyKey(HttpHeaders headers) {
        return headers.contains("idempotency-key") || headers.contains("x-idempotency-key");
    }
}
