package io.outrigger.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/** Collects the body: a body that came in one buffer is passed on as it is, without a copy. */
public final class BodyAggregator implements Subscriber<ByteBuf> {

    /** The whole of {@code body} as one buffer, which the subscriber owns; released if cut short. */
    public static Mono<ByteBuf> aggregate(Publisher<ByteBuf> body) {
        return Mono.create(sink -> body.subscribe(new BodyAggregator(sink)));
    }

    private final MonoSink<ByteBuf> sink;
    private ByteBuf whole;
    private Subscription subscription;

    private BodyAggregator(MonoSink<ByteBuf> sink) {
        this.sink = sink;
    }

    @Override
    public void onSubscribe(Subscription s) {
        subscription = s;
        sink.onCancel(this::cancel);
        s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(ByteBuf buffer) {
        if (whole == null) {
            whole = buffer;
        } else if (whole instanceof CompositeByteBuf composite) {
            composite.addComponent(true, buffer);
        } else {
            CompositeByteBuf composite = buffer.alloc().compositeBuffer();
            composite.addComponents(true, whole, buffer);
            whole = composite;
        }
    }

    @Override
    public void onError(Throwable t) {
        release();
        sink.error(t);
    }

    @Override
    public void onComplete() {
        ByteBuf result = whole;
        whole = null;
        sink.success(result != null ? result : io.netty.buffer.Unpooled.EMPTY_BUFFER);
    }

    private void cancel() {
        subscription.cancel();
        release();
    }

    private void release() {
        if (whole != null) {
            whole.release();
            whole = null;
        }
    }
}
