package io.outrigger.listener;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.outrigger.common.MeterCatalog;

/**
 * Requests the HTTP decoder refused before any filter saw them (Reactor Netty answers them
 * itself), counted by the status they got: 414 for a request line over
 * {@code max-initial-line-length}, 431 for headers over {@code max-request-headers-size}, 400 for
 * anything else malformed.
 */
final class RejectedRequests {

    private final Counter tooLongLine;
    private final Counter tooLargeHeaders;
    private final Counter malformed;

    RejectedRequests(MeterRegistry registry, String listener) {
        this.tooLongLine = counter(registry, listener, "414");
        this.tooLargeHeaders = counter(registry, listener, "431");
        this.malformed = counter(registry, listener, "400");
    }

    void count(Throwable cause) {
        if (cause instanceof TooLongHttpLineException) {
            tooLongLine.increment();
        } else if (cause instanceof TooLongHttpHeaderException || cause instanceof TooLongFrameException) {
            tooLargeHeaders.increment();
        } else {
            malformed.increment();
        }
    }

    private static Counter counter(MeterRegistry registry, String listener, String status) {
        return MeterCatalog.REQUESTS_REJECTED.counter()
                .tag(MeterCatalog.LISTENER, listener).tag(MeterCatalog.RESPONSE_CODE, status).register(registry);
    }
}
