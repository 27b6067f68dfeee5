package io.outrigger.pipeline.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.outrigger.common.ResponseFlag;
import io.outrigger.pipeline.Grpc;
import io.outrigger.pipeline.HopByHop;
import io.outrigger.pipeline.LocalReply;
import io.outrigger.pipeline.ProxyExchange;
import io.outrigger.tls.Peer;
import io.outrigger.upstream.UpstreamExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Relays an upstream response downstream: status and end-to-end headers once, then the body as
 * it arrives, buffer by buffer, with backpressure both ways. An upstream that fails mid-body
 * (flag {@code UC}) or a client that goes away (flag {@code DC}) closes both connections, so
 * neither side mistakes a truncated body for a complete one.
 *
 * <p>A small body of declared length ({@value #JOINED_BODY_LIMIT} bytes at most, the typical API
 * answer) is read whole first and goes down with the head in one write. Streamed, the head is
 * written and flushed before the body is asked for: two system calls and two TCP segments where
 * one does, the largest avoidable cost per request that the profile showed. As nothing has gone
 * down when such an upstream fails mid-body, the client gets a clean 502 {@code UC} instead, as
 * for a reset before the head.
 */
final class ResponseRelay {

    static final int JOINED_BODY_LIMIT = 16 * 1024;
    private static final String GRPC_STATUS = "grpc-status";

    private ResponseRelay() {
    }

    static Mono<Void> relay(ProxyExchange exchange, UpstreamResponse upstream) {
        if (exchange.responseStarted()) {
            // The listener already answered (a request it could not decode, typically): the
            // upstream's answer has nowhere to go.
            upstream.discard();
            exchange.addFlag(ResponseFlag.DPE);
            return Mono.empty();
        }
        if (upstream.status() == 101) {
            return WebSocketUpgrade.tunnel(exchange, upstream);
        }
        UpstreamExchange source = upstream.body();
        exchange.upstreamPeer(Peer.of(source.channel()));
        HttpHeaders from = upstream.headers();
        // Filter while adding, not by removing afterwards: the server's own framing default
        // (transfer-encoding: chunked for a body of unknown length) must survive, or every
        // streamed response would close the connection.
        HopByHop.addEndToEnd(from, exchange.responseHeaders());
        String grpc = from.get(GRPC_STATUS);
        if (grpc != null) {
            exchange.grpcStatus(Grpc.status(grpc));   // a trailers-only answer
        }
        int status = upstream.status();
        exchange.commit(status);
        Mono<Void> sent;
        if (joinable(exchange.method(), status, from)) {
            Mono<ByteBuf> body = source.aggregate()
                    .doOnNext(exchange::responseBodyPassed)
                    .doOnSuccess(whole -> bodyEnded(exchange, source))
                    .onErrorMap(UpstreamBodyFailure::new);
            // Aggregated here, not inside send(): send() adds its own discard hook to the
            // aggregation's, and a body cut short would then be released twice.
            sent = body.flatMap(whole -> exchange.sendResponse(status, Mono.just(whole)))
                    .onErrorResume(UpstreamBodyFailure.class, failure -> {
                        if (exchange.responseStarted()) {
                            return Mono.error(failure);
                        }
                        // Nothing has gone down yet: a clean 502 UC rather than a cut connection.
                        source.abort();
                        exchange.responseHeaders().clear();
                        return LocalReply.send(exchange, 502, ResponseFlag.UC,
                                "upstream reset before the response was complete");
                    });
        } else {
            Flux<ByteBuf> body = Flux.from(source)
                    .doOnNext(exchange::responseBodyPassed)
                    .doOnComplete(() -> bodyEnded(exchange, source))
                    .onErrorMap(UpstreamBodyFailure::new);
            sent = exchange.sendResponse(status, body);
        }
        return sent
                .onErrorResume(error -> {
                    exchange.addFlag(error instanceof UpstreamBodyFailure ? ResponseFlag.UC : ResponseFlag.DC);
                    source.abort();
                    exchange.abortDownstream();
                    return Mono.empty();
                })
                .doOnCancel(() -> {
                    if (!exchange.isResponseComplete()) {
                        exchange.cancelled();
                        source.abort();
                    }
                })
                .doFinally(signal -> upstream.finish());
    }

    /** The body is whole: its trailers (gRPC's status, typically) go down after it. */
    private static void bodyEnded(ProxyExchange exchange, UpstreamExchange source) {
        HttpHeaders trailers = source.trailers();
        if (trailers != null && !trailers.isEmpty()) {
            exchange.responseTrailers(trailers);
            String grpc = trailers.get(GRPC_STATUS);
            if (grpc != null) {
                exchange.grpcStatus(Grpc.status(grpc));
            }
        }
        exchange.responseComplete();
    }

    /** A body that is there (not HEAD, 204 or 304) with a Content-Length up to the limit. */
    private static boolean joinable(String method, int status, HttpHeaders headers) {
        if (status == 204 || status == 304 || "HEAD".equals(method)) {
            return false;
        }
        String length = headers.get(HttpHeaderNames.CONTENT_LENGTH);
        if (length == null || length.isEmpty() || length.length() > 5) {
            return false;
        }
        for (int i = 0; i < length.length(); i++) {
            if (length.charAt(i) < '0' || length.charAt(i) > '9') {
                return false;
            }
        }
        long declared = Long.parseLong(length);
        return declared > 0 && declared <= JOINED_BODY_LIMIT;
    }

    /** Marks an error of the upstream body, as opposed to one writing downstream. */
    private static final class UpstreamBodyFailure extends RuntimeException {
        UpstreamBodyFailure(Throwable cause) {
            super(cause.getMessage(), cause, false, false);
        }
    }
}
