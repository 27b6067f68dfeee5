package io.outrigger.pipeline;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.outrigger.common.ResponseFlag;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerResponse;

/**
 * A response Outrigger makes itself rather than relaying one: a status, the response flag that
 * explains it (logged and counted) and one short line of plain text, as Envoy's local replies.
 */
public final class LocalReply {

    private LocalReply() {
    }

    public static Mono<Void> send(ProxyExchange exchange, int status, ResponseFlag flag, String message) {
        if (flag != null) {
            exchange.addFlag(flag);
        }
        HttpServerResponse response = exchange.response();
        if (response.hasSentHeaders()) {
            // Too late for a status: the client already has one. Closing is the only honest signal.
            return Mono.fromRunnable(() -> exchange.response().withConnection(c -> c.dispose()));
        }
        exchange.commit(status);
        ByteBuf body = Unpooled.wrappedBuffer((message + "\n").getBytes(StandardCharsets.UTF_8));
        exchange.addBytesSent(body.readableBytes());
        response.status(HttpResponseStatus.valueOf(status));
        response.responseHeaders()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        exchange.responseComplete();
        return response.send(Mono.just(body)).then();
    }
}
