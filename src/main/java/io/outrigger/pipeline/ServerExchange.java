package io.outrigger.pipeline;

import java.net.InetSocketAddress;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.outrigger.common.Direction;
import io.outrigger.snapshot.Snapshot;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/** An exchange whose downstream is a Reactor Netty server request and response. */
public final class ServerExchange extends ProxyExchange {

    private final HttpServerRequest request;
    private final HttpServerResponse response;

    public ServerExchange(Direction direction, HttpServerRequest request, HttpServerResponse response, Snapshot snapshot,
            int loop, Scheduler scheduler, InetSocketAddress originalDestination) {
        super(direction, request.method().name(), request.uri(), request.requestHeaders(), snapshot, loop, scheduler,
                originalDestination);
        this.request = request;
        this.response = response;
    }

    @Override
    public Mono<ByteBuf> receiveWholeBody() {
        return request.receive().aggregate().retain();
    }

    @Override
    public Flux<ByteBuf> receiveBody() {
        return request.receive().retain();
    }

    /** HTTP/1.1 responses carry no trailers here: an upstream's are dropped. */
    @Override
    public Mono<Void> sendResponse(int status, Publisher<ByteBuf> body) {
        response.status(status);
        return response.send(body).then();
    }

    @Override
    public String protocol() {
        return request.protocol();
    }

    @Override
    public HttpHeaders responseHeaders() {
        return response.responseHeaders();
    }

    @Override
    public boolean responseStarted() {
        return response.hasSentHeaders();
    }

    @Override
    protected Mono<Void> writeLocalReply(int status, byte[] body) {
        response.status(HttpResponseStatus.valueOf(status));
        response.responseHeaders()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        return response.send(Mono.just(Unpooled.wrappedBuffer(body))).then();
    }

    /** Reactor Netty's handlers leave with the rest of HTTP's; its response then goes nowhere. */
    @Override
    public Channel takeOverConnection() {
        Channel[] channel = new Channel[1];
        response.withConnection(connection -> {
            connection.markPersistent(false);
            channel[0] = connection.channel();
        });
        return channel[0];
    }

    @Override
    public void abortDownstream() {
        response.withConnection(connection -> connection.dispose());
    }
}
