package io.outrigger.listener;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.netty.NettyPipeline;

/**
 * The idle and request-headers clocks of an HTTP connection, on an embedded channel whose clock
 * the test moves: idle is counted from the end of the last exchange, never during one, and only
 * headers still incomplete at their deadline get a 408.
 */
class ConnectionTimeoutsTest {

    private static final Duration IDLE = Duration.ofSeconds(300);
    private static final Duration HEADERS = Duration.ofSeconds(10);

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final Counter idleCloses = registry.counter("idle");
    private final Counter headersTimeouts = registry.counter("headers");
    private final MockTicker ticker = Ticker.newMockTicker();
    private EmbeddedChannel channel;

    @BeforeEach
    void open() throws Exception {
        channel = EmbeddedChannel.builder().ticker(ticker).register(false).build();
        channel.pipeline().addLast(NettyPipeline.HttpCodec, new HttpServerCodec());
        ConnectionTimeouts.install(channel.pipeline(), new ConnectionTimeouts.Settings(IDLE, HEADERS, idleCloses,
                headersTimeouts, new RejectedRequests(registry, "outbound")));
        channel.register();
    }

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    @Test
    void aConnectionThatNeverSendsARequestIsClosedAfterTheIdleTimeout() {
        advance(IDLE.minusSeconds(1));
        assertThat(channel.isActive()).isTrue();
        advance(Duration.ofSeconds(1));
        assertThat(channel.isActive()).isFalse();
        assertThat(idleCloses.count()).isEqualTo(1);
    }

    @Test
    void theIdleClockStartsWhenTheResponseIsWrittenNotDuringTheExchange() {
        advance(Duration.ofSeconds(200));
        receive("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        advance(IDLE.multipliedBy(3));   // a slow upstream: the exchange is not idleness
        assertThat(channel.isActive()).isTrue();
        respond();
        advance(IDLE.minusSeconds(1));
        assertThat(channel.isActive()).isTrue();
        advance(Duration.ofSeconds(1));
        assertThat(channel.isActive()).isFalse();
        assertThat(idleCloses.count()).isEqualTo(1);
        assertThat(headersTimeouts.count()).isZero();
    }

    @Test
    void everyRequestPutsTheIdleClockBack() {
        for (int i = 0; i < 5; i++) {
            advance(IDLE.minusSeconds(10));
            receive("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            respond();
        }
        assertThat(channel.isActive()).isTrue();
        advance(IDLE);
        assertThat(channel.isActive()).isFalse();
    }

    @Test
    void pipelinedRequestsKeepTheConnectionBusyUntilTheLastResponse() {
        receive("GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n");
        respond();
        advance(IDLE.plusSeconds(10));
        assertThat(channel.isActive()).as("the second response is still due").isTrue();
        respond();
        advance(IDLE);
        assertThat(channel.isActive()).isFalse();
    }

    @Test
    void aRequestBodyStillArrivingAfterTheResponseIsNotIdleness() {
        receive("POST / HTTP/1.1\r\nHost: a\r\ncontent-length: 4\r\n\r\nab");
        respond();   // answered early, as an upstream may
        advance(IDLE.plusSeconds(10));
        assertThat(channel.isActive()).isTrue();
        receive("cd");
        advance(IDLE.minusSeconds(1));
        assertThat(channel.isActive()).isTrue();
        advance(Duration.ofSeconds(1));
        assertThat(channel.isActive()).isFalse();
    }

    @Test
    void a100ContinueIsNotTheEndOfTheResponse() {
        receive("POST / HTTP/1.1\r\nHost: a\r\ncontent-length: 2\r\nexpect: 100-continue\r\n\r\n");
        channel.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
        receive("ab");
        advance(IDLE.plusSeconds(10));
        assertThat(channel.isActive()).isTrue();
        respond();
        advance(IDLE);
        assertThat(channel.isActive()).isFalse();
    }

    @Test
    void aStreamedResponseEndsWithItsLastContent() {
        receive("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, "chunked");
        channel.writeOutbound(head);
        advance(IDLE.plusSeconds(10));
        assertThat(channel.isActive()).as("the body is still streaming").isTrue();
        channel.writeOutbound(LastHttpContent.EMPTY_LAST_CONTENT);
        advance(IDLE);
        assertThat(channel.isActive()).isFalse();
    }

    @Test
    void headersTrickledPastTheirDeadlineGet408AndTheConnectionCloses() {
        receive("GET / HTTP/1.1\r\n");
        advance(HEADERS.minusSeconds(1));
        receive("Host: a\r\n");
        assertThat(channel.isActive()).isTrue();
        advance(Duration.ofSeconds(1));
        assertThat(written()).startsWith("HTTP/1.1 408 Request Timeout").endsWith("request headers timeout\n");
        assertThat(channel.isActive()).isFalse();
        assertThat(headersTimeouts.count()).isEqualTo(1);
        assertThat(idleCloses.count()).isZero();
    }

    @Test
    void headersCompletedInTimeAreNotHeldToTheDeadlineAfterwards() {
        receive("GET / HTTP/1.1\r\n");
        advance(HEADERS.minusSeconds(1));
        receive("Host: a\r\n\r\n");
        advance(HEADERS.multipliedBy(5));
        assertThat(channel.isActive()).isTrue();
        assertThat(headersTimeouts.count()).isZero();
        assertThat(written()).isEmpty();
    }

    @Test
    void theHeadersClockRunsAgainForTheNextRequest() {
        receive("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        respond();
        written();
        advance(Duration.ofSeconds(30));
        receive("GET /next HTTP/1.1\r\n");
        advance(HEADERS);
        assertThat(written()).startsWith("HTTP/1.1 408");
        assertThat(headersTimeouts.count()).isEqualTo(1);
    }

    private void receive(String bytes) {
        channel.writeInbound(Unpooled.copiedBuffer(bytes, StandardCharsets.US_ASCII));
        for (Object decoded; (decoded = channel.readInbound()) != null; ) {
            ReferenceCountUtil.release(decoded);
        }
    }

    private void respond() {
        DefaultFullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        channel.writeOutbound(response);
    }

    /** Moves the clock in steps, as time passes: the timer sets itself again as it fires. */
    private void advance(Duration by) {
        long step = TimeUnit.SECONDS.toNanos(1);
        for (long left = by.toNanos(); left > 0; left -= step) {
            ticker.advance(Math.min(step, left), TimeUnit.NANOSECONDS);
            channel.runScheduledPendingTasks();
        }
    }

    private String written() {
        StringBuilder out = new StringBuilder();
        for (ByteBuf bytes; (bytes = channel.readOutbound()) != null; ) {
            out.append(bytes.toString(StandardCharsets.US_ASCII));
            bytes.release();
        }
        return out.toString();
    }
}
