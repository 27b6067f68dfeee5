package io.outrigger.upstream;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.outrigger.netty.EventLoops;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The pool's rules against a real upstream on loopback: its limits, idle close, a connection the
 * upstream closed while idle, the keep-alive race, the per-connection request and age limits.
 */
class ConnectionPoolTest {

    private static final Duration SECONDS = Duration.ofSeconds(10);

    private static final EventLoops loops = new EventLoops(1);
    private ScriptedUpstream upstream;

    @AfterEach
    void stopUpstream() throws Exception {
        if (upstream != null) {
            upstream.close();
        }
    }

    @AfterAll
    static void stopLoops() {
        loops.dispose();
    }

    private ConnectionPool pool(int maxConnections, int maxPending, Duration idleTimeout, int maxRequests, Duration maxAge) {
        PoolLimits limits = new PoolLimits(maxConnections, maxPending, idleTimeout, maxRequests, maxAge, Duration.ofSeconds(1));
        return new UpstreamClient(loops, limits, ConnectionSecurity.NONE).connectionsTo(upstream.address()).pool(0);
    }

    private ConnectionPool pool() {
        return pool(4, 4, Duration.ofSeconds(60), 0, Duration.ZERO);
    }

    @Test
    void aKeepAliveConnectionIsReusedAndCountedIdleBetweenRequests() throws Exception {
        upstream = new ScriptedUpstream((n, head, body) -> ScriptedUpstream.Reply.ok("answer " + n));
        ConnectionPool pool = pool();

        Calls.Outcome first = Calls.get(pool).get(10, TimeUnit.SECONDS);
        Calls.Outcome second = Calls.get(pool).get(10, TimeUnit.SECONDS);

        assertThat(first.body()).isEqualTo("answer 1");
        assertThat(first.reused()).isFalse();
        assertThat(second.body()).isEqualTo("answer 2");
        assertThat(second.reused()).isTrue();
        assertThat(upstream.accepted()).isEqualTo(1);
        assertThat(pool.idle()).isEqualTo(1);
        assertThat(pool.active()).isZero();
    }

    @Test
    void overTheConnectionLimitARequestWaitsAndOverTheWaitingLimitItIsRefusedAtOnce() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        ConnectionPool pool = onePoolConnectionToAnUpstreamHoldingItsAnswersUntil(release);

        CompletableFuture<Calls.Outcome> served = Calls.get(pool);
        await().atMost(SECONDS).until(() -> pool.active() == 1);
        CompletableFuture<Calls.Outcome> waiting = Calls.get(pool);
        await().atMost(SECONDS).until(() -> pool.pending() == 1);
        Calls.Outcome refused = Calls.get(pool).get(10, TimeUnit.SECONDS);

        assertThat(refused.failure()).isInstanceOf(UpstreamException.class);
        assertThat(((UpstreamException) refused.failure()).kind()).isEqualTo(UpstreamException.Kind.POOL_OVERFLOW);
        assertThat(waiting).isNotDone();
        release.countDown();
        assertThat(served.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
        Calls.Outcome second = waiting.get(10, TimeUnit.SECONDS);
        assertThat(second.status()).isEqualTo(200);
        assertThat(second.reused()).as("the waiter got the released connection").isTrue();
        assertThat(upstream.accepted()).isEqualTo(1);
    }

    @Test
    void anIdleConnectionIsClosedAfterTheIdleTimeout() throws Exception {
        upstream = new ScriptedUpstream((n, head, body) -> ScriptedUpstream.Reply.ok("ok"));
        ConnectionPool pool = pool(4, 4, Duration.ofMillis(200), 0, Duration.ZERO);

        assertThat(Calls.get(pool).get(10, TimeUnit.SECONDS).status()).isEqualTo(200);

        await().atMost(SECONDS).until(() -> upstream.closedByClient() == 1);
        assertThat(pool.idle()).isZero();
    }

    @Test
    void aConnectionTheUpstreamClosedWhileIdleIsNeverHandedOut() throws Exception {
        upstream = new ScriptedUpstream((n, head, body) -> new ScriptedUpstream.Reply(ScriptedUpstream.Action.ANSWER_THEN_CLOSE,
                "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"));
        ConnectionPool pool = pool();

        assertThat(Calls.get(pool).get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
        await().atMost(SECONDS).until(() -> pool.idle() == 0);   // the upstream's FIN took it out of the pool
        Calls.Outcome second = Calls.get(pool).get(10, TimeUnit.SECONDS);

        assertThat(second.status()).isEqualTo(200);
        assertThat(second.reused()).isFalse();
        assertThat(upstream.accepted()).isEqualTo(2);
    }

    @Test
    void anUpstreamThatClosesAReusedConnectionOnTheNextRequestFailsThatTryAsAResetOnAReusedConnection() throws Exception {
        // The keep-alive race, made certain: the upstream reads the second request and closes.
        upstream = new ScriptedUpstream((n, head, body) -> n == 1 ? ScriptedUpstream.Reply.ok("ok")
                : new ScriptedUpstream.Reply(ScriptedUpstream.Action.CLOSE, null));
        ConnectionPool pool = pool();

        assertThat(Calls.get(pool).get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
        Calls.Outcome raced = Calls.get(pool).get(10, TimeUnit.SECONDS);

        assertThat(raced.reused()).isTrue();
        assertThat(raced.failure()).isInstanceOf(UpstreamException.class);
        assertThat(((UpstreamException) raced.failure()).kind()).isEqualTo(UpstreamException.Kind.RESET);
        await().atMost(SECONDS).until(() -> pool.idle() == 0 && pool.active() == 0);
    }

    @Test
    void aConnectionThatCarriedMaxRequestsIsClosedAndTheNextRequestOpensAnother() throws Exception {
        upstream = new ScriptedUpstream((n, head, body) -> ScriptedUpstream.Reply.ok("answer " + n));
        ConnectionPool pool = pool(4, 4, Duration.ofSeconds(60), 2, Duration.ZERO);

        for (int i = 0; i < 3; i++) {
            assertThat(Calls.get(pool).get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
        }

        assertThat(upstream.accepted()).isEqualTo(2);
        await().atMost(SECONDS).until(() -> upstream.closedByClient() == 1);
    }

    @Test
    void aConnectionPastItsMaxDurationIsNotReused() throws Exception {
        upstream = new ScriptedUpstream((n, head, body) -> ScriptedUpstream.Reply.ok("ok"));
        ConnectionPool pool = pool(4, 4, Duration.ofSeconds(60), 0, Duration.ofMillis(300));

        assertThat(Calls.get(pool).get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
        await().atMost(SECONDS).until(() -> upstream.closedByClient() == 1);   // closed at its age, though idle
        Calls.Outcome later = Calls.get(pool).get(10, TimeUnit.SECONDS);

        assertThat(later.reused()).isFalse();
        assertThat(upstream.accepted()).isEqualTo(2);
    }

    @Test
    void aResponseWithConnectionCloseIsNotPooled() throws Exception {
        upstream = new ScriptedUpstream((n, head, body) -> new ScriptedUpstream.Reply(ScriptedUpstream.Action.ANSWER,
                "HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok"));
        ConnectionPool pool = pool();

        assertThat(Calls.get(pool).get(10, TimeUnit.SECONDS).body()).isEqualTo("ok");

        await().atMost(SECONDS).until(() -> upstream.closedByClient() == 1);
        assertThat(pool.idle()).isZero();
    }

    @Test
    void aRefusedConnectIsAConnectFailure() throws Exception {
        upstream = new ScriptedUpstream((n, head, body) -> ScriptedUpstream.Reply.ok("ok"));
        java.net.InetSocketAddress gone = upstream.address();
        upstream.close();
        PoolLimits limits = new PoolLimits(1, 1, Duration.ofSeconds(60), 0, Duration.ZERO, Duration.ofSeconds(1));
        ConnectionPool pool = new UpstreamClient(loops, limits, ConnectionSecurity.NONE).connectionsTo(gone).pool(0);

        Calls.Outcome failed = Calls.get(pool).get(10, TimeUnit.SECONDS);

        assertThat(((UpstreamException) failed.failure()).kind()).isEqualTo(UpstreamException.Kind.CONNECT_FAILED);
        upstream = null;
    }

    @Test
    void aClosedPoolRefusesNewRequestsAndClosesItsIdleConnections() throws Exception {
        upstream = new ScriptedUpstream((n, head, body) -> ScriptedUpstream.Reply.ok("ok"));
        ConnectionPool pool = pool();
        assertThat(Calls.get(pool).get(10, TimeUnit.SECONDS).status()).isEqualTo(200);

        pool.close();

        await().atMost(SECONDS).until(() -> upstream.closedByClient() == 1);
        Calls.Outcome refused = Calls.get(pool).get(10, TimeUnit.SECONDS);
        assertThat(((UpstreamException) refused.failure()).kind()).isEqualTo(UpstreamException.Kind.POOL_CLOSED);
    }

    @Test
    void bodiesGoOutWholeOrChunkedAndTheConnectionIsReusedAfterEither() throws Exception {
        upstream = new ScriptedUpstream((n, head, body) -> ScriptedUpstream.Reply.ok(new String(body)));
        ConnectionPool pool = pool();

        assertThat(Calls.post(pool, "whole body").get(10, TimeUnit.SECONDS).body()).isEqualTo("whole body");
        Calls.Outcome chunked = Calls.postChunked(pool, "one ", "two ", "three").get(10, TimeUnit.SECONDS);

        assertThat(chunked.body()).isEqualTo("one two three");
        assertThat(chunked.reused()).isTrue();
        assertThat(upstream.requests.stream().map(ScriptedUpstream.Request::head).toList().get(1))
                .containsIgnoringCase("transfer-encoding: chunked");
    }

    @Test
    void informationalResponsesAreSkippedAndHeadResponsesHaveNoBody() throws Exception {
        upstream = new ScriptedUpstream((n, head, body) -> new ScriptedUpstream.Reply(ScriptedUpstream.Action.ANSWER,
                head.startsWith("HEAD") ? "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n"
                        : "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\ncontent-length: 4\r\n\r\ndone"));
        ConnectionPool pool = pool();

        Calls.Outcome head = Calls.send(pool, io.netty.handler.codec.http.HttpMethod.HEAD, null, null, null)
                .get(10, TimeUnit.SECONDS);
        Calls.Outcome continued = Calls.get(pool).get(10, TimeUnit.SECONDS);

        assertThat(head.status()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(continued.status()).isEqualTo(201);
        assertThat(continued.body()).isEqualTo("done");
        assertThat(continued.reused()).as("HEAD's declared length was not read as a body").isTrue();
    }

    @Test
    void aWaiterTakenOutOfLineGetsNothingAndTheConnectionGoesIdle() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        ConnectionPool pool = onePoolConnectionToAnUpstreamHoldingItsAnswersUntil(release);
        CompletableFuture<Calls.Outcome> served = Calls.get(pool);
        await().atMost(SECONDS).until(() -> pool.active() == 1);
        java.util.concurrent.atomic.AtomicInteger told = new java.util.concurrent.atomic.AtomicInteger();
        ConnectionPool.Waiter cancelled = new ConnectionPool.Waiter() {
            @Override
            public void acquired(UpstreamConnection connection) {
                told.incrementAndGet();
                connection.giveBack();
            }

            @Override
            public void failed(UpstreamException reason) {
                told.incrementAndGet();
            }
        };
        pool.acquire(cancelled);
        await().atMost(SECONDS).until(() -> pool.pending() == 1);

        pool.cancel(cancelled);
        await().atMost(SECONDS).until(() -> pool.pending() == 0);
        release.countDown();

        assertThat(served.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
        await().atMost(SECONDS).until(() -> pool.idle() == 1);
        assertThat(told).hasValue(0);
    }

    @Test
    void theUpstreamIsReadOnlyAsFastAsTheBodyIsAskedFor() throws Exception {
        String large = "x".repeat(4 * 1024 * 1024);
        upstream = new ScriptedUpstream((n, head, body) -> ScriptedUpstream.Reply.ok(large));
        ConnectionPool pool = pool();
        CompletableFuture<UpstreamExchange> exchange = new CompletableFuture<>();
        java.util.concurrent.BlockingQueue<io.netty.buffer.ByteBuf> received = new java.util.concurrent.LinkedBlockingQueue<>();
        org.reactivestreams.Subscription[] subscription = new org.reactivestreams.Subscription[1];
        CompletableFuture<Void> complete = new CompletableFuture<>();
        pool.acquire(new ConnectionPool.Waiter() {
            @Override
            public void acquired(UpstreamConnection connection) {
                UpstreamExchange[] started = new UpstreamExchange[1];
                started[0] = connection.send(io.netty.handler.codec.http.HttpMethod.GET, "/",
                        new io.netty.handler.codec.http.DefaultHttpHeaders().set("host", "upstream"), null, null,
                        new ResponseHandler() {
                            @Override
                            public void onResponse(io.netty.handler.codec.http.HttpResponse head) {
                                started[0].subscribe(new org.reactivestreams.Subscriber<>() {
                                    public void onSubscribe(org.reactivestreams.Subscription s) {
                                        subscription[0] = s;
                                        s.request(1);
                                    }

                                    public void onNext(io.netty.buffer.ByteBuf buffer) {
                                        received.add(buffer);
                                    }

                                    public void onError(Throwable t) {
                                        complete.completeExceptionally(t);
                                    }

                                    public void onComplete() {
                                        complete.complete(null);
                                    }
                                });
                                exchange.complete(started[0]);
                            }

                            @Override
                            public void onError(Throwable error) {
                                exchange.completeExceptionally(error);
                            }
                        });
            }

            @Override
            public void failed(UpstreamException reason) {
                exchange.completeExceptionally(reason);
            }
        });
        UpstreamExchange started = exchange.get(10, TimeUnit.SECONDS);
        await().atMost(SECONDS).until(() -> !received.isEmpty());

        await().atMost(SECONDS).until(() -> !started.channel().config().isAutoRead());
        assertThat(received).hasSize(1);
        assertThat(complete).isNotDone();

        subscription[0].request(Long.MAX_VALUE);
        complete.get(10, TimeUnit.SECONDS);
        long bytes = 0;
        for (io.netty.buffer.ByteBuf buffer : received) {
            bytes += buffer.readableBytes();
            buffer.release();
        }
        assertThat(bytes).isEqualTo(large.length());
        await().atMost(SECONDS).until(() -> pool.idle() == 1 && started.channel().config().isAutoRead());
    }

    /** A pool of one connection (one waiter allowed) to an upstream that answers once {@code release} opens. */
    private ConnectionPool onePoolConnectionToAnUpstreamHoldingItsAnswersUntil(CountDownLatch release) throws Exception {
        upstream = new ScriptedUpstream((n, head, body) -> {
            waitFor(release);
            return ScriptedUpstream.Reply.ok("ok");
        });
        return pool(1, 1, Duration.ofSeconds(60), 0, Duration.ZERO);
    }

    private static void waitFor(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
