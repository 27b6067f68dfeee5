package io.outrigger.http2;

import java.util.ArrayDeque;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import reactor.core.publisher.Operators;

/**
 * A request body arriving on an HTTP/2 stream, published to one subscriber with backpressure: the
 * stream is read only while the subscriber asks for more, and the stream's flow-control window
 * (credited as frames are read) holds the client back meanwhile. Each buffer's ownership passes to
 * the subscriber. Confined to the stream's event loop.
 */
final class StreamBody implements Publisher<ByteBuf>, Subscription {

    private final Channel stream;
    private final ArrayDeque<ByteBuf> queue = new ArrayDeque<>(2);
    private Subscriber<? super ByteBuf> subscriber;
    private long demand;
    private boolean ended;
    private Throwable error;
    private boolean terminated;
    private boolean cancelled;
    private boolean draining;
    private boolean missed;

    private boolean continueExpected;

    StreamBody(Channel stream, boolean empty) {
        this.stream = stream;
        this.ended = empty;
    }

    /**
     * The client sent {@code expect: 100-continue} and waits for a 100 before it sends the body:
     * it gets one when the body is first asked for, as an HTTP/1.1 client does from the listener.
     */
    void expectContinue() {
        continueExpected = !ended;
    }

    /** Whether the client has sent the whole body. */
    boolean ended() {
        return ended && error == null;
    }

    void offer(ByteBuf data, boolean last) {
        if (cancelled || ended || !data.isReadable()) {
            data.release();
        } else {
            queue.add(data);
        }
        if (last) {
            ended = true;
        }
        drain();
    }

    /** The stream was reset or closed before the body ended. */
    void fail(Throwable cause) {
        if (!ended) {
            ended = true;
            error = cause;
        }
        drain();
    }

    @Override
    public void subscribe(Subscriber<? super ByteBuf> s) {
        if (subscriber != null) {
            Operators.error(s, new IllegalStateException("a request body can be read once"));
            return;
        }
        subscriber = s;
        if (continueExpected) {
            continueExpected = false;
            stream.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("100"), false));
        }
        s.onSubscribe(this);
        drain();
    }

    @Override
    public void request(long n) {
        if (!stream.eventLoop().inEventLoop()) {
            stream.eventLoop().execute(() -> request(n));
            return;
        }
        if (n <= 0 || terminated || cancelled) {
            return;
        }
        demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
        drain();
    }

    @Override
    public void cancel() {
        if (!stream.eventLoop().inEventLoop()) {
            stream.eventLoop().execute(this::cancel);
            return;
        }
        cancelled = true;
        release();
    }

    private void drain() {
        if (draining) {
            missed = true;   // asked again from inside onNext: the loop below goes round once more
            return;
        }
        draining = true;
        try {
            do {
                missed = false;
                drainOnce();
            } while (missed);
        } finally {
            draining = false;
        }
    }

    private void drainOnce() {
        if (subscriber == null || terminated || cancelled) {
            if (cancelled) {
                release();
            }
            return;
        }
        while (demand > 0 && !queue.isEmpty()) {
            demand--;
            subscriber.onNext(queue.poll());
            if (cancelled) {
                release();
                return;
            }
        }
        if (ended && queue.isEmpty()) {
            terminated = true;
            if (error != null) {
                subscriber.onError(error);
            } else {
                subscriber.onComplete();
            }
        } else if (demand > 0 && queue.isEmpty() && stream.isActive()) {
            stream.read();   // asked for more than has come: read the next frames
        }
    }

    /** Whatever comes from now on is dropped; what is queued is released. */
    void discard() {
        cancelled = true;
        release();
    }

    void release() {
        ByteBuf buffer;
        while ((buffer = queue.poll()) != null) {
            buffer.release();
        }
    }
}
