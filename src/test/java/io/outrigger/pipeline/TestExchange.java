package io.outrigger.pipeline;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicBoolean;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.outrigger.common.Direction;
import io.outrigger.snapshot.Snapshot;
import io.netty.buffer.ByteBuf;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * An exchange with no connection behind it, for running one filter in a unit test: it records the
 * local reply a filter sends, and a {@link #chain()} records whether the filter passed the request on.
 */
public final class TestExchange extends ProxyExchange {

    private final HttpHeaders responseHeaders = new DefaultHttpHeaders();
    private final AtomicBoolean passedOn = new AtomicBoolean();
    private int replyStatus;
    private String replyBody;
    private boolean aborted;

    private TestExchange(Direction direction, String method, String uri, HttpHeaders headers, Snapshot snapshot,
            Scheduler scheduler, InetSocketAddress originalDestination) {
        super(direction, method, uri, headers, snapshot, 0, scheduler, originalDestination);
    }

    /** A request the application sends: {@code headers} are name, value pairs; Host is {@code host}. */
    public static TestExchange outbound(Snapshot snapshot, String method, String host, String uri, String... headers) {
        return of(Direction.OUTBOUND, snapshot, null, Schedulers.immediate(), method, host, uri, headers);
    }

    public static TestExchange of(Direction direction, Snapshot snapshot, InetSocketAddress originalDestination,
            Scheduler scheduler, String method, String host, String uri, String... headers) {
        HttpHeaders all = new DefaultHttpHeaders();
        if (host != null) {
            all.set(HttpHeaderNames.HOST, host);
        }
        for (int i = 0; i < headers.length; i += 2) {
            all.add(headers[i], headers[i + 1]);
        }
        return new TestExchange(direction, method, uri, all, snapshot, scheduler, originalDestination);
    }

    /** The rest of the stack: it records that the request reached it and answers 200. */
    public ProxyFilterChain chain() {
        return exchange -> Mono.fromRunnable(() -> {
            passedOn.set(true);
            exchange.commit(200);
        });
    }

    /** Whether the filter passed the request on to {@link #chain()}. */
    public boolean passedOn() {
        return passedOn.get();
    }

    /** The status of the local reply the filter sent, or 0 for none. */
    public int replyStatus() {
        return replyStatus;
    }

    public String replyBody() {
        return replyBody;
    }

    public boolean aborted() {
        return aborted;
    }

    @Override
    public Mono<ByteBuf> receiveWholeBody() {
        throw new UnsupportedOperationException("a test exchange has no connection");
    }

    @Override
    public Flux<ByteBuf> receiveBody() {
        throw new UnsupportedOperationException("a test exchange has no connection");
    }

    @Override
    public Mono<Void> sendResponse(int status, Publisher<ByteBuf> body) {
        throw new UnsupportedOperationException("a test exchange has no connection");
    }

    @Override
    public String protocol() {
        return "HTTP/1.1";
    }

    @Override
    public HttpHeaders responseHeaders() {
        return responseHeaders;
    }

    @Override
    public boolean responseStarted() {
        return replyStatus != 0;
    }

    @Override
    protected Mono<Void> writeLocalReply(int status, byte[] body) {
        replyStatus = status;
        replyBody = new String(body, java.nio.charset.StandardCharsets.UTF_8);
        return Mono.empty();
    }

    @Override
    public void abortDownstream() {
        aborted = true;
    }
}
