package io.outrigger.pipeline;

import java.nio.charset.StandardCharsets;

import io.outrigger.common.ResponseFlag;
import reactor.core.publisher.Mono;

/**
 * A response Outrigger makes itself rather than relaying one: a status, the response flag that
 * explains it (logged and counted) and one short line of plain text, as Envoy's local replies; to a
 * gRPC client, a trailers-only response whose {@code grpc-message} is that line.
 */
public final class LocalReply {

    private LocalReply() {
    }

    public static Mono<Void> send(ProxyExchange exchange, int status, ResponseFlag flag, String message) {
        if (flag != null) {
            exchange.addFlag(flag);
        }
        if (exchange.responseStarted()) {
            // Too late for a status: the client already has one. Closing is the only honest signal.
            return Mono.fromRunnable(exchange::abortDownstream);
        }
        if (exchange.grpc() && exchange.http2()) {
            // A gRPC client reads the status, not the HTTP code: HTTP 200 with the gRPC status
            // (trailers-only), as Envoy answers and Istio counts it.
            exchange.grpcStatus(Grpc.localStatus(status, flag));
            status = 200;
        }
        exchange.commit(status);
        byte[] body = (message + "\n").getBytes(StandardCharsets.UTF_8);
        exchange.addBytesSent(body.length);
        exchange.responseComplete();
        return exchange.writeLocalReply(status, body);
    }
}
