package io.outrigger.pipeline.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaders;
import io.outrigger.pipeline.HopByHop;
import io.outrigger.pipeline.ProxyExchange;
import io.outrigger.pipeline.ResponseFlag;
import io.outrigger.tls.Peer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.http.server.HttpServerResponse;

/**
 * Relays an upstream response downstream: status and end-to-end headers once, then the body as
 * it arrives, buffer by buffer, with backpressure both ways. An upstream that fails mid-body
 * (flag {@code UC}) or a client that goes away (flag {@code DC}) closes both connections, so
 * neither side mistakes a truncated body for a complete one.
 */
final class ResponseRelay {

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
        exchange.upstreamPeer(Peer.of(upstream.connection().channel()));
        HttpHeaders from = upstream.response().responseHeaders();
        // Strip a copy: the server's own framing default (transfer-encoding: chunked for a body of
        // unknown length) must survive, or every streamed response would close the connection.
        response.responseHeaders().add(HopByHop.copyForDownstream(from));
        String grpc = from.get("grpc-status");
        if (grpc != null) {
            exchange.grpcStatus(grpcStatus(grpc));
        }
        int status = upstream.status();
        response.status(status);
        exchange.commit(status);
        Connection connection = upstream.connection();
        Flux<ByteBuf> body = connection.inbound().receive().retain()
                .doOnNext(buffer -> exchange.addBytesSent(buffer.readableBytes()))
                .doOnComplete(exchange::responseComplete)
                .onErrorMap(UpstreamBodyFailure::new);
        return response.send(body).then()
                .onErrorResume(error -> {
                    exchange.addFlag(error instanceof UpstreamBodyFailure ? ResponseFlag.UC : ResponseFlag.DC);
                    connection.dispose();
                    response.withConnection(Connection::dispose);
                    return Mono.empty();
                })
                .doOnCancel(() -> {
                    if (!exchange.isResponseComplete()) {
                        exchange.addFlag(ResponseFlag.DC);
                        connection.dispose();
                    }
                })
                .doFinally(signal -> upstream.finish());
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
