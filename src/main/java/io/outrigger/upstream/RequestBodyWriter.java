package io.outrigger.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * Writes a streamed request body to the upstream connection one buffer at a time, asking its
 * source for the next only while the socket can take more: a fast client cannot fill the
 * proxy's memory ahead of a slow upstream.
 */
final class RequestBodyWriter implements Subscriber<ByteBuf> {

    private final UpstreamConnection connection;
    private final UpstreamExchange exchange;
    private Subscription source;
    private boolean waitingForWritability;
    private boolean done;

    RequestBodyWriter(UpstreamConnection connection, UpstreamExchange exchange) {
        this.connection = connection;
        this.exchange = exchange;
    }

    @Override
    public void onSubscribe(Subscription subscription) {
        source = subscription;
        if (done) {
            subscription.cancel();
        } else {
            subscription.request(1);
        }
    }

    @Override
    public void onNext(ByteBuf buffer) {
        Channel channel = connection.channel();
        if (done) {
            buffer.release();
            return;
        }
        channel.writeAndFlush(new DefaultHttpContent(buffer)).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        if (channel.isWritable()) {
            source.request(1);
        } else {
            waitingForWritability = true;
        }
    }

    /** The socket drained below its high-water mark: ask for the next buffer. */
    void resume() {
        if (waitingForWritability && !done) {
            waitingForWritability = false;
            source.request(1);
        }
    }

    @Override
    public void onError(Throwable error) {
        if (!done) {
            done = true;
            connection.requestBodyFailed(exchange, error);
        }
    }

    @Override
    public void onComplete() {
        if (!done) {
            done = true;
            connection.channel().writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT)
                    .addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
            connection.requestWritten(exchange);
        }
    }

    /** The exchange ended or was given up: stop reading the source. */
    void cancel() {
        if (!done) {
            done = true;
            if (source != null) {
                source.cancel();
            }
        }
    }
}
