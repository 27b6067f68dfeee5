package io.outrigger.pipeline.upstream;

import java.util.concurrent.TimeoutException;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.outrigger.cluster.Endpoint;
import io.outrigger.common.ResponseFlag;
import io.outrigger.pipeline.HopByHop;
import io.outrigger.pipeline.ProxyExchange;
import io.outrigger.upstream.ConnectionPool;
import io.outrigger.upstream.ConnectionSource;
import io.outrigger.upstream.ResponseHandler;
import io.outrigger.upstream.UpstreamConnection;
import io.outrigger.upstream.UpstreamException;
import io.outrigger.upstream.UpstreamExchange;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * One try of a request against one endpoint, up to the response headers: a connection from the
 * endpoint's pool on the request's own event loop, the request written on it, the head awaited.
 * It remembers what the retry decision needs: whether a connection was had at all, and whether
 * that connection had already carried a request (a reused keep-alive connection the upstream
 * may have just closed).
 */
final class UpstreamTry implements ConnectionPool.Waiter, ResponseHandler {

    private final ProxyExchange exchange;
    private final Endpoint endpoint;
    private final RequestBody body;
    private MonoSink<UpstreamResponse> sink;
    private ConnectionSource pool;
    private UpstreamExchange upstream;
    private boolean connected;
    private boolean reused;
    private boolean done;
    private boolean counted;

    UpstreamTry(ProxyExchange exchange, Endpoint endpoint, RequestBody body) {
        this.exchange = exchange;
        this.endpoint = endpoint;
        this.body = body;
    }

    Mono<UpstreamResponse> send() {
        return Mono.<UpstreamResponse>create(sink -> {
            this.sink = sink;
            sink.onCancel(this::cancel);
            endpoint.requestStarted();
            counted = true;
            pool = http2()
                    ? endpoint.connections().http2Pool(exchange.loop())
                    : endpoint.connections().pool(exchange.loop());
            pool.acquire(this);
        }).doFinally(signal -> {
            if (counted) {
                counted = false;
                endpoint.requestFinished();
            }
        });
    }

    /**
     * Whether this try goes as HTTP/2, by the cluster's {@code protocol}: by default what the
     * client spoke (unless its port says {@code http}), or HTTP/2 to a sidecar with
     * {@code h2-upgrade}. A sidecar that gets as HTTP/2 what would have been HTTP/1.1 is told so,
     * and speaks HTTP/1.1 to its application.
     */
    private boolean http2() {
        boolean sidecar = endpoint.peers().mutual();
        HttpHeaders headers = exchange.upstreamHeaders();
        boolean http2 = exchange.cluster().spec().protocol()
                .http2(exchange.upstreamHttp2(), sidecar, headers.contains(HttpHeaderNames.UPGRADE));
        if (http2 && sidecar && !exchange.upstreamHttp2()) {
            headers.set(HopByHop.CARRIED_HTTP1, "1");
        } else {
            headers.remove(HopByHop.CARRIED_HTTP1);
        }
        return http2;
    }

    @Override
    public void acquired(UpstreamConnection connection) {
        if (done) {
            connection.giveBack();
            return;
        }
        connected = true;
        reused = connection.reused();
        ByteBuf whole = body.bufferedForTry();
        upstream = connection.send(HttpMethod.valueOf(exchange.method()), exchange.pathAndQuery(), exchange.upstreamHeaders(),
                whole, whole == null && body.present() ? body.streamForTry() : null, this);
    }

    @Override
    public void failed(UpstreamException reason) {
        onError(reason);
    }

    @Override
    public void onResponse(HttpResponse head) {
        if (done) {
            upstream.abort();
            return;
        }
        done = true;
        counted = false;   // the response counts from here, until it is relayed or discarded
        sink.success(new UpstreamResponse(head, upstream, endpoint));
    }

    @Override
    public void onError(Throwable error) {
        if (!done) {
            done = true;
            sink.error(error);
        }
    }

    /** A try given up (a timeout, the client gone): out of the pool's line, or its connection closed. */
    private void cancel() {
        done = true;
        if (upstream != null) {
            upstream.abort();
        } else if (pool != null) {
            pool.cancel(this);
        }
    }

    /** A reused connection that failed before any response byte: the keep-alive race. */
    boolean failedOnReusedConnection(UpstreamFailure failure) {
        return reused && failure.flag() == ResponseFlag.UC;
    }

    /** Whether any of the request reached the wire before the failure. */
    boolean requestSent(UpstreamFailure failure) {
        return connected && !(failure.getCause() instanceof UpstreamException e
                && e.kind() == UpstreamException.Kind.CLOSED_BEFORE_SENT);
    }

    /** What a failure of this try means for the client. */
    UpstreamFailure classify(Throwable error) {
        if (error instanceof UpstreamFailure failure) {
            return failure;
        }
        if (error instanceof TimeoutException) {
            return new UpstreamFailure(504, ResponseFlag.UT, "upstream request timeout", error);
        }
        if (error instanceof UpstreamException upstreamError) {
            switch (upstreamError.kind()) {
                case POOL_CLOSED:
                    // The cluster was retired by a reload while this request still ran on it.
                    return new UpstreamFailure(503, ResponseFlag.UH, "no healthy upstream: the cluster was removed", error);
                case POOL_OVERFLOW:
                    return new UpstreamFailure(503, ResponseFlag.UO, "upstream connection pool overflow", error);
                case CONNECT_FAILED:
                    return connectFailure(error);
                default:
                    return reset(error);
            }
        }
        return connected ? reset(error) : connectFailure(error);
    }

    private static UpstreamFailure connectFailure(Throwable error) {
        return new UpstreamFailure(502, ResponseFlag.UF,
                "upstream connect error or disconnect/reset before headers. reset reason: connection failure", error);
    }

    private static UpstreamFailure reset(Throwable error) {
        return new UpstreamFailure(502, ResponseFlag.UC,
                "upstream connect error or disconnect/reset before headers. reset reason: connection termination", error);
    }

    Endpoint endpoint() {
        return endpoint;
    }
}
