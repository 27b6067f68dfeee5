package io.outrigger.pipeline.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.outrigger.common.ResponseFlag;
import io.outrigger.pipeline.ProxyExchange;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The request body as the upstream tries see it. A body of known length up to the retry buffer
 * (64 KiB) is read once into a retained buffer and replayed to every try; a larger one is streamed
 * with backpressure and, once a try has started reading it, cannot be sent again. One of unknown
 * length is streamed and copied: replayable once it has ended within the retry buffer.
 */
public final class RequestBody {

    public static final int RETRY_BUFFER_BYTES = 64 * 1024;

    private final ProxyExchange exchange;
    private final boolean present;
    private final boolean bufferable;
    private ByteBuf buffered;
    private boolean streamed;
    private boolean downstreamFailed;
    private final boolean unknownLength;
    private CompositeByteBuf copy;
    private boolean copyOverflowed;
    private boolean released;

    RequestBody(ProxyExchange exchange) {
        this.exchange = exchange;
        HttpHeaders headers = exchange.requestHeaders();
        String contentLength = headers.get(HttpHeaderNames.CONTENT_LENGTH);
        // The decoder has already refused malformed or conflicting framing headers.
        long length = contentLength == null ? -1 : Long.parseLong(contentLength.trim());
        boolean chunked = headers.containsValue(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED, true);
        this.present = chunked || length > 0;
        this.bufferable = !chunked && length > 0 && length <= RETRY_BUFFER_BYTES;
        this.unknownLength = chunked;
        if (chunked) {
            // The upstream hop is framed anew; a chunked request stays chunked.
            exchange.upstreamHeaders().set(HttpHeaderNames.TRANSFER_ENCODING, "chunked");
            exchange.upstreamHeaders().remove(HttpHeaderNames.CONTENT_LENGTH);
        }
    }

    /** Reads a small body into the retry buffer; completes at once when there is nothing to buffer. */
    Mono<Void> prepare() {
        if (!bufferable) {
            return Mono.empty();
        }
        return exchange.receiveWholeBody()
                .doOnNext(buffer -> {
                    buffered = buffer;
                    exchange.requestBodyPassed(buffer);
                })
                .onErrorMap(this::downstreamFailure)
                .then();
    }

    boolean present() {
        return present;
    }

    /** Whether another try can still send the whole body. */
    boolean replayable() {
        return !present || buffered != null || !streamed;
    }

    /** The whole body for one try when it was buffered (the caller owns the buffer), else null. */
    ByteBuf bufferedForTry() {
        return buffered != null ? buffered.retainedDuplicate() : null;
    }

    /**
     * The body for one try, streamed from the client: only one try can read it. A body of unknown
     * length (chunked, or gRPC's over HTTP/2) is copied as it goes, up to the retry buffer: once
     * it has ended within that, a retry can send it again. Nothing waits for the body to end
     * first, so a streaming call that expects an answer before it sends more is never held up.
     */
    Publisher<ByteBuf> streamForTry() {
        return Flux.defer(() -> {
            streamed = true;
            Flux<ByteBuf> source = exchange.receiveBody()
                    .doOnNext(exchange::requestBodyPassed)
                    .doOnError(error -> downstreamFailed = true);
            return unknownLength ? source.doOnNext(this::copy).doOnComplete(this::copied) : source;
        });
    }

    private void copy(ByteBuf buffer) {
        if (copyOverflowed || released) {
            return;
        }
        if (copy == null) {
            copy = buffer.alloc().compositeBuffer();
        }
        if (copy.readableBytes() + buffer.readableBytes() > RETRY_BUFFER_BYTES) {
            copyOverflowed = true;
            copy.release();
            copy = null;
        } else {
            copy.addComponent(true, buffer.retainedSlice());
        }
    }

    private void copied() {
        if (released) {
            release();   // the body ended after the exchange did: nothing will replay it
        } else if (!copyOverflowed) {
            buffered = copy != null ? copy : Unpooled.EMPTY_BUFFER;
            copy = null;
        }
    }

    /** Whether reading the client's body failed: the request, not the upstream, is at fault. */
    boolean downstreamFailed() {
        return downstreamFailed;
    }

    private UpstreamFailure downstreamFailure(Throwable error) {
        downstreamFailed = true;
        return new UpstreamFailure(400, ResponseFlag.DPE, "malformed request body", error);
    }

    /** Releases the retry buffer; the exchange is over. */
    void release() {
        released = true;
        if (buffered != null && buffered.refCnt() > 0) {
            buffered.release();
            buffered = null;
        }
        if (copy != null) {
            copy.release();
            copy = null;
        }
    }
}
