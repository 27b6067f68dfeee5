package io.outrigger.pipeline.upstream;

import java.time.Duration;

import io.outrigger.cluster.Cluster;
import io.outrigger.common.ResponseFlag;
import io.outrigger.pipeline.Grpc;
import io.outrigger.pipeline.LocalReply;
import io.outrigger.pipeline.ProxyExchange;
import io.outrigger.pipeline.ProxyFilter;
import io.outrigger.pipeline.ProxyFilterChain;
import io.outrigger.pipeline.retry.Backoff;
import reactor.core.publisher.Mono;

/**
 * The last filter of both stacks: sends the request to the chosen cluster, with the route's
 * retries and timeouts, and relays the response, or answers with the failure's status and flag.
 *
 * <p>The route {@code timeout} covers every try and the backoff between them, from the moment
 * the request was read until the upstream response headers arrive. Once headers are relayed
 * the body streams without a deadline, so a large download is never cut short by a timeout meant
 * for a slow answer.
 */
public final class UpstreamFilter implements ProxyFilter {

    private final Backoff backoff;

    public UpstreamFilter(Backoff backoff) {
        this.backoff = backoff;
    }

    @Override
    public Mono<Void> filter(ProxyExchange exchange, ProxyFilterChain chain) {
        Cluster cluster = exchange.cluster();
        if (!cluster.tryStartRequest()) {
            return LocalReply.send(exchange, 503, ResponseFlag.UO, "upstream connection pool overflow");
        }
        WebSocketUpgrade.ask(exchange);
        RequestBody body = new RequestBody(exchange);
        RetryingCall call = new RetryingCall(exchange, body, backoff);
        Duration timeout = exchange.route().timeout();
        if (exchange.grpc()) {
            // The client's deadline, when it is the shorter: waiting past it serves nobody.
            Duration deadline = Grpc.timeout(exchange.requestHeaders().get("grpc-timeout"));
            if (deadline != null && (timeout == null || deadline.compareTo(timeout) < 0)) {
                timeout = deadline;
            }
        }
        Mono<UpstreamResponse> tries = new ContextBoundary<>(Mono.defer(call::execute));
        if (timeout != null) {
            tries = tries.timeout(timeout, Mono.error(() -> new UpstreamFailure(504, ResponseFlag.UT,
                    "upstream request timeout", null)), exchange.scheduler());
        }
        return body.prepare()
                .then(tries)
                .flatMap(response -> ResponseRelay.relay(exchange, response))
                .onErrorResume(UpstreamFailure.class,
                        failure -> LocalReply.send(exchange, failure.status(), failure.flag(), failure.getMessage()))
                .doFinally(signal -> {
                    body.release();
                    call.finished();
                    cluster.requestFinished();
                });
    }
}
