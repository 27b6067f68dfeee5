package io.outrigger.http2;

import java.nio.channels.ClosedChannelException;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.MonoSink;

/**
 * Writes a relayed response body to an HTTP/2 stream one buffer at a time, asking for the next
 * only while the stream can take it (its flow-control window and the connection's socket both
 * have room): a slow client holds back its upstream, not the proxy's memory. The head goes with
 * the first buffer, or alone at the end; trailers, when there are any, end the stream.
 */
final class ResponseWriter extends BaseSubscriber<ByteBuf> {

    private final StreamExchange exchange;
    private final int status;
    private final MonoSink<Void> sink;
    private final Channel stream;
    private boolean waiting;
    private boolean flushScheduled;
    private boolean ended;

    ResponseWriter(StreamExchange exchange, int status, MonoSink<Void> sink) {
        this.exchange = exchange;
        this.status = status;
        this.sink = sink;
        this.stream = exchange.stream();
    }

    @Override
    protected void hookOnSubscribe(Subscription subscription) {
        request(1);
    }

    @Override
    protected void hookOnNext(ByteBuf buffer) {
        if (!stream.isActive()) {
            buffer.release();
            cancel();
            sink.error(new ClosedChannelException());
            return;
        }
        if (!exchange.headSent()) {
            exchange.writeHead(status, false, false);
        }
        exchange.touch();
        stream.write(new DefaultHttp2DataFrame(buffer, false));
        if (!stream.isWritable()) {
            waiting = true;
            stream.flush();   // may make it writable at once, and resume() asks for the next
            return;
        }
        // The end often comes right after (a body read whole): the flush waits for the tasks of
        // this turn of the event loop, so head, body and end go down in one write.
        if (!flushScheduled) {
            flushScheduled = true;
            stream.eventLoop().execute(this::flushIfOpen);
        }
        request(1);
    }

    private void flushIfOpen() {
        flushScheduled = false;
        if (!ended) {
            stream.flush();
        }
    }

    /** The stream has room again. */
    void resume() {
        if (waiting && !isDisposed()) {
            waiting = false;
            request(1);
        }
    }

    @Override
    protected void hookOnComplete() {
        ended = true;
        HttpHeaders trailers = exchange.responseTrailers();
        boolean withTrailers = trailers != null && !trailers.isEmpty();
        ChannelFuture last;
        if (!exchange.headSent()) {
            last = exchange.writeHead(status, !withTrailers, true);
            if (withTrailers) {
                last = stream.writeAndFlush(new DefaultHttp2HeadersFrame(HeaderMapping.trailers(trailers), true));
            }
        } else if (withTrailers) {
            last = stream.writeAndFlush(new DefaultHttp2HeadersFrame(HeaderMapping.trailers(trailers), true));
        } else {
            last = stream.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.EMPTY_BUFFER, true));
        }
        last.addListener(done -> {
            if (done.isSuccess()) {
                sink.success();
            } else {
                sink.error(done.cause());
            }
        });
    }

    @Override
    protected void hookOnError(Throwable error) {
        ended = true;
        stream.flush();
        sink.error(error);
    }
}
