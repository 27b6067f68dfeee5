package io.outrigger.pipeline.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.outrigger.common.ResponseFlag;
import io.outrigger.pipeline.HopByHop;
import io.outrigger.pipeline.LocalReply;
import io.outrigger.pipeline.ProxyExchange;
import io.outrigger.tls.Peer;
import io.outrigger.upstream.UpstreamExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.http.server.HttpServerResponse;

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

    private ResponseRelay() {
    }

    static Mono<Void> relay(ProxyExchange exchange, UpstreamResponse upstream) {
        HttpServerResponse response = exchange.response();
        if (response.hasSentHeaders()) {
            // The listener already answered (a request it could not decode, typically): the
            // upstream's answer has nowhere to go.
            upstream.discard();
            exchange.addFlag(ResponseFlag.DPE);
            return Mono.empty();
        }
        UpstreamExchange source = upstream.body();
        exchange.upstreamPeer(Peer.of(source.channel()));
        HttpHeaders from = upstream.headers();
        // Filter while adding, not by removing afterwards: the server's own framing default
        // (transfer-encoding: chunked for a body of unknown length) must survive, or every
        // streamed response would close the connection.
        HopByHop.addEndToEnd(from, response.responseHeaders());
        String grpc = from.get("grpc-status");
        if (grpc != null) {
            exchange.grpcStatus(grpcStatus(grpc));
        }
        int status = upstream.status();
        response.status(status);
        exchange.commit(status);
        Mono<Void> sent;
        if (joinable(exchange.method(), status, from)) {
            Mono<ByteBuf> body = source.aggregate()
                    .doOnNext(whole -> exchange.addBytesSent(whole.readableBytes()))
                    .doOnSuccess(whole -> exchange.responseComplete())
                    .onErrorMap(UpstreamBodyFailure::new);
            // Aggregated here, not inside send(): send() adds its own discard hook to the
            // aggregation's, and a body cut short would then be released twice.
            sent = body.flatMap(whole -> response.send(Mono.just(whole)).then())
                    .onErrorResume(UpstreamBodyFailure.class, failure -> {
                        if (response.hasSentHeaders()) {
                            return Mono.error(failure);
                        }
                        // Nothing has gone down yet: a clean 502 UC rather than a cut connection.
                        source.abort();
                        response.responseHeaders().clear();
                        return LocalReply.send(exchange, 502, ResponseFlag.UC,
                                "upstream reset before the response was complete");
                    });
        } else {
            Flux<ByteBuf> body = Flux.from(source)
                    .doOnNext(buffer -> exchange.addBytesSent(buffer.readableBytes()))
                    .doOnComplete(exchange::responseComplete)
                    .onErrorMap(UpstreamBodyFailure::new);
            sent = response.send(body).then();
        }
        return sent
                .onErrorResume(error -> {
                    exchange.addFlag(error instanceof UpstreamBodyFailure ? ResponseFlag.UC : ResponseFlag.DC);
                    source.abort();
                    response.withConnection(Connection::dispose);
                    return Mono.empty();
                })
                .doOnCancel(() -> {
                    if (!exchange.isResponseComplete()) {
                        exchange.addFlag(ResponseFlag.DC);
                        source.abort();
                    }
                })
                .doFinally(signal -> upstream.finish());
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

    /** A gRPC status code 0-16; anything else counts as 2 (UNKNOWN), keeping the label bounded. */
    private static int grpcStatus(String value) {
        try {
            int code = Integer.parseInt(value.trim());
            return code >= 0 && code <= 16 ? code : 2;
        } catch (NumberFormatException e) {
            return 2;
        }
    }

    /** Marks an error of the upstream body, as opposed to one writing downstream. */
    private static final class UpstreamBodyFailure extends RuntimeException {
        UpstreamBodyFailure(Throwable cause) {
            super(cause.getMessage(), cause, false, false);
        }
    }
}
