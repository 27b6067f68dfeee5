package io.outrigger.pipeline.upstream;

import java.util.concurrent.TimeoutException;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.Attribute;
import io.netty.util.AttributeKey;
import io.outrigger.cluster.Endpoint;
import io.outrigger.pipeline.ProxyExchange;
import io.outrigger.pipeline.ResponseFlag;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.channel.AbortedException;
import reactor.netty.internal.shaded.reactor.pool.PoolAcquirePendingLimitException;
import reactor.netty.internal.shaded.reactor.pool.PoolAcquireTimeoutException;
import reactor.netty.internal.shaded.reactor.pool.PoolShutdownException;

/**
 * One try of a request against one endpoint, up to the response headers. It remembers what the
 * retry decision needs: whether a connection was made at all, and whether that connection had
 * already carried a request (a reused keep-alive connection the upstream may have just closed).
 */
final class UpstreamTry {

    private static final AttributeKey<Integer> REQUESTS = AttributeKey.valueOf("outrigger.requests");

    private final ProxyExchange exchange;
    private final Endpoint endpoint;
    private final RequestBody body;
    private Connection connection;
    private boolean reused;
    private boolean counted;

    UpstreamTry(ProxyExchange exchange, Endpoint endpoint, RequestBody body) {
        this.exchange = exchange;
        this.endpoint = endpoint;
        this.body = body;
    }

    Mono<UpstreamResponse> send() {
        endpoint.requestStarted();
        counted = true;
        return endpoint.client(exchange.loop())
                .request(exchange.request().method())
                .uri(exchange.pathAndQuery())
                .send((request, outbound) -> {
                    outbound.withConnection(this::connected);
                    HttpHeaders headers = request.requestHeaders();
                    headers.clear();
                    headers.add(exchange.upstreamHeaders());
                    return body.present() ? outbound.send(body.forTry()) : outbound;
                })
                .responseConnection((response, connection) -> {
                    counted = false;
                    return Mono.just(new UpstreamResponse(response, connection, endpoint));
                })
                .next()
                // A try that failed or was abandoned after connecting leaves its connection in an
                // unknown state (a request half sent, a response unread): close it, never pool it.
                .doOnError(error -> closeConnection())
                .doOnCancel(this::closeConnection)
                .doFinally(signal -> {
                    if (counted) {
                        counted = false;
                        endpoint.requestFinished();
                    }
                });
    }

    private void closeConnection() {
        if (connection != null) {
            connection.dispose();
        }
    }

    private void connected(Connection connection) {
        this.connection = connection;
        Attribute<Integer> requests = connection.channel().attr(REQUESTS);
        Integer before = requests.get();
        reused = before != null;
        requests.set(before == null ? 1 : before + 1);
    }

    /** A reused connection that failed before any response byte: the keep-alive race. */
    boolean failedOnReusedConnection(UpstreamFailure failure) {
        return reused && failure.flag() == ResponseFlag.UC;
    }

    /**
     * Whether any of the request reached the wire before the failure. Reactor Netty reports a
     * connection that closed before the request was written as an {@link AbortedException}.
     */
    boolean requestSent(UpstreamFailure failure) {
        return connection != null && !(failure.getCause() instanceof AbortedException);
    }

    /** What a failure of this try means for the client. */
    UpstreamFailure classify(Throwable error) {
        if (error instanceof UpstreamFailure failure) {
            return failure;
        }
        if (error instanceof TimeoutException) {
            return new UpstreamFailure(504, ResponseFlag.UT, "upstream request timeout", error);
        }
        if (error instanceof PoolShutdownException) {
            // The cluster was retired by a reload while this request still ran on it.
            return new UpstreamFailure(503, ResponseFlag.UH, "no healthy upstream: the cluster was removed", error);
        }
        if (error instanceof PoolAcquirePendingLimitException || error instanceof PoolAcquireTimeoutException) {
            return new UpstreamFailure(503, ResponseFlag.UO, "upstream connection pool overflow", error);
        }
        if (connection == null) {
            return new UpstreamFailure(502, ResponseFlag.UF,
                    "upstream connect error or disconnect/reset before headers. reset reason: connection failure", error);
        }
        return new UpstreamFailure(502, ResponseFlag.UC,
                "upstream connect error or disconnect/reset before headers. reset reason: connection termination", error);
    }

    Endpoint endpoint() {
        return endpoint;
    }
}
