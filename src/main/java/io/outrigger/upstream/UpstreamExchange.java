package io.outrigger.upstream;

import java.util.ArrayDeque;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;

/**
 * One request and its response on an {@link UpstreamConnection}: the response body is published
 * to one subscriber, buffer by buffer, with backpressure reaching the socket (reading stops while
 * the subscriber asks for nothing). Each buffer's ownership passes to the subscriber.
 *
 * <p>Given up before its end ({@link #abort()}, or cancelled by the subscriber), it closes the
 * connection; after its end the connection belongs to the pool again, and nothing done to the
 * exchange reaches it. Confined to the connection's event loop.
 */
public final class UpstreamExchange implements Publisher<ByteBuf>, Subscription {

    private final UpstreamConnection connection;
    private final boolean reused;
    private ResponseHandler handler;
    private boolean keepAlive = true;
    private boolean headReceived;
    private HttpHeaders trailers;
    private SwitchedConnection switched;

    private Subscriber<? super ByteBuf> subscriber;
    private ArrayDeque<ByteBuf> queue;
    private long demand;
    private boolean ended;        // the last of the body has arrived
    private Throwable error;      // the body broke off
    private boolean terminated;   // the subscriber was told the end
    private boolean cancelled;
    private boolean draining;
    private boolean missed;

    UpstreamExchange(UpstreamConnection connection, ResponseHandler handler, boolean reused) {
        this.connection = connection;
        this.handler = handler;
        this.reused = reused;
    }

    /** Whether its connection had carried a request before this one (a keep-alive connection). */
    public boolean reused() {
        return reused;
    }

    /**
     * The connection's channel, for what was learnt when it was set up (the verified peer): an
     * HTTP/2 stream's is its connection's.
     */
    public Channel channel() {
        Channel channel = connection.channel();
        return channel.parent() != null ? channel.parent() : channel;
    }

    /** The response's trailers, once its body has ended with some; else null. */
    public HttpHeaders trailers() {
        return trailers;
    }

    /** After a 101 (Switching Protocols) answer: the connection, out of HTTP, to take over; else null. */
    public SwitchedConnection switched() {
        return switched;
    }

    /** Gives the exchange up: a connection still carrying it closes; its queued body is released. */
    public void abort() {
        if (!connection.channel().eventLoop().inEventLoop()) {
            connection.channel().eventLoop().execute(this::abort);
            return;
        }
        if (switched != null) {
            switched.abandon();   // closes it, unless a tunnel has it already
        }
        handler = null;
        cancelled = true;
        releaseQueue();
        if (!ended) {
            connection.abort(this);
        }
    }

    /** The whole body as one buffer, once it has all arrived. */
    public Mono<ByteBuf> aggregate() {
        return BodyAggregator.aggregate(this);
    }

    // --- from the connection ---

    void keepAlive(boolean keepAlive) {
        this.keepAlive = keepAlive;
    }

    boolean keepAlive() {
        return keepAlive;
    }

    void head(HttpResponse head) {
        headReceived = true;
        ResponseHandler told = handler;
        handler = null;
        if (told != null) {
            told.onResponse(head);
        }
    }

    void switched(SwitchedConnection switched) {
        this.switched = switched;
        this.ended = true;   // its HTTP message has no body: what follows is the new protocol's
    }

    void trailers(HttpHeaders trailers) {
        this.trailers = trailers;
    }

    void content(ByteBuf data, boolean last) {
        if (cancelled || !headReceived) {
            data.release();
        } else if (data.isReadable()) {
            if (queue == null) {
                queue = new ArrayDeque<>(4);
            }
            queue.add(data);
        } else {
            data.release();
        }
        if (last) {
            ended = true;
        }
        drain();
        if (!ended && !cancelled && demand == 0) {
            // Nobody asks for more (or nobody subscribed yet): stop reading until someone does.
            connection.reading(this, false);
        }
    }

    /** The exchange broke off: before the head, the handler is told; after it, the body's subscriber. */
    void failed(Throwable cause) {
        ResponseHandler told = handler;
        handler = null;
        if (told != null && !headReceived) {
            told.onError(cause);
            return;
        }
        if (!ended) {
            error = cause;
            ended = true;
            drain();
        }
    }

    // --- the body as a publisher ---

    @Override
    public void subscribe(Subscriber<? super ByteBuf> s) {
        if (subscriber != null) {
            Operators.error(s, new IllegalStateException("an upstream response body can be read once"));
            return;
        }
        subscriber = s;
        s.onSubscribe(this);
        drain();
    }

    @Override
    public void request(long n) {
        if (!connection.channel().eventLoop().inEventLoop()) {
            connection.channel().eventLoop().execute(() -> request(n));
            return;
        }
        if (cancelled || terminated) {
            return;
        }
        if (n <= 0) {
            // Reactive Streams rule 3.9: a non-positive request ends the stream with an error.
            error = new IllegalArgumentException("request(" + n + "): must be positive");
            ended = true;
            releaseQueue();
            connection.abort(this);
            drain();
            return;
        }
        demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
        drain();
        if (!ended && demand > 0) {
            connection.reading(this, true);
        }
    }

    @Override
    public void cancel() {
        abort();
    }

    private void drain() {
        if (subscriber == null || terminated) {
            return;
        }
        if (draining) {
            missed = true;
            return;
        }
        draining = true;
        try {
            do {
                missed = false;
                while (demand > 0 && queue != null && !queue.isEmpty() && !cancelled) {
                    demand--;
                    subscriber.onNext(queue.poll());
                }
                if (ended && (queue == null || queue.isEmpty()) && !cancelled && !terminated) {
                    terminated = true;
                    if (error != null) {
                        subscriber.onError(error);
                    } else {
                        subscriber.onComplete();
                    }
                }
            } while (missed);
        } finally {
            draining = false;
        }
        if (cancelled) {
            releaseQueue();
        }
    }

    private void releaseQueue() {
        if (queue != null) {
            ByteBuf buffer;
            while ((buffer = queue.poll()) != null) {
                buffer.release();
            }
        }
    }
}
