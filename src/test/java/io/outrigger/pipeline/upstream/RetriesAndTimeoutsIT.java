package io.outrigger.pipeline.upstream;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.util.AttributeKey;
import io.outrigger.testing.ProxyClient;
import io.outrigger.testing.Sidecar;
import io.outrigger.testing.TestUpstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;

/** Retries, per-try and route timeouts, against upstreams that fail on purpose. */
class RetriesAndTimeoutsIT {

    static TestUpstream flaky;
    static TestUpstream slow;
    static TestUpstream closer;
    static int deadPort;
    static Sidecar sidecar;
    static ProxyClient client;
    static final AtomicInteger failuresLeft = new AtomicInteger();
    static final AtomicInteger slowTriesLeft = new AtomicInteger();

    @BeforeAll
    static void start() throws IOException {
        flaky = TestUpstream.start("flaky").handler((request, response) -> {
            if (failuresLeft.getAndDecrement() > 0) {
                return request.receive().then(response.status(503).sendString(Mono.just("busy")).then());
            }
            return request.receive().aggregate().asString().defaultIfEmpty("")
                    .flatMap(body -> response.sendString(Mono.just("ok " + body.length())).then());
        });
        slow = TestUpstream.start("slow").handler((request, response) -> {
            Duration delay = slowTriesLeft.getAndDecrement() > 0 ? Duration.ofSeconds(2) : Duration.ZERO;
            return Mono.delay(delay).then(response.sendString(Mono.just("slow-ok")).then());
        });
        AttributeKey<Integer> served = AttributeKey.valueOf("served");
        closer = TestUpstream.start("closer").handler((request, response) -> {
            int[] n = new int[1];
            request.withConnection(c -> {
                Integer before = c.channel().attr(served).get();
                n[0] = before == null ? 1 : before + 1;
                c.channel().attr(served).set(n[0]);
            });
            if (n[0] >= 2 || "always".equals(request.requestHeaders().get("x-close"))) {
                // Closes a kept-alive connection as the next request arrives: the keep-alive race.
                return request.receive().then(Mono.fromRunnable(() -> request.withConnection(c -> c.channel().close())));
            }
            return request.receive().then(response.sendString(Mono.just("closer-ok")).then());
        });
        try (ServerSocket socket = new ServerSocket(0)) {
            deadPort = socket.getLocalPort();
        }
        sidecar = Sidecar.start("""
                outrigger:
                  routes:
                    - name: retry-5xx
                      hosts: [ "retry-5xx" ]
                      route: [ { cluster: flaky } ]
                      retries: { attempts: 2, retry-on: "5xx" }
                    - name: no-retries
                      hosts: [ "no-retries" ]
                      route: [ { cluster: flaky } ]
                      retries: { attempts: 0 }
                    - name: default-policy
                      hosts: [ "default-policy" ]
                      route: [ { cluster: flaky } ]
                    - name: half-dead
                      hosts: [ "half-dead" ]
                      route: [ { cluster: half-dead } ]
                      retries: { attempts: 1, retry-on: "connect-failure" }
                    - name: dead
                      hosts: [ "dead" ]
                      route: [ { cluster: dead } ]
                      retries: { attempts: 0 }
                    - name: per-try
                      hosts: [ "per-try" ]
                      route: [ { cluster: slow } ]
                      retries: { attempts: 2, per-try-timeout: 200ms, retry-on: "reset" }
                    - name: route-timeout
                      hosts: [ "route-timeout" ]
                      route: [ { cluster: slow } ]
                      timeout: 300ms
                      retries: { attempts: 0 }
                    - name: all-tries-timeout
                      hosts: [ "all-tries-timeout" ]
                      route: [ { cluster: slow } ]
                      timeout: 500ms
                      retries: { attempts: 10, per-try-timeout: 200ms, retry-on: "reset" }
                    - name: closer
                      hosts: [ "closer" ]
                      route: [ { cluster: closer } ]
                      retries: { attempts: 0 }
                    - name: closer-fresh
                      hosts: [ "closer-fresh" ]
                      route: [ { cluster: closer-fresh } ]
                  clusters:
                    closer-fresh: { endpoints: [ "%s" ] }
                    flaky: { endpoints: [ "%s" ] }
                    slow: { endpoints: [ "%s" ] }
                    closer: { endpoints: [ "%s" ] }
                    dead: { endpoints: [ "127.0.0.1:%d" ] }
                    half-dead: { endpoints: [ "127.0.0.1:%d", "%s" ], load-balancer: round-robin }
                """.formatted(closer.endpoint(), flaky.endpoint(), slow.endpoint(), closer.endpoint(), deadPort, deadPort, flaky.endpoint()));
        client = new ProxyClient(sidecar.outboundPort());
    }

    @AfterAll
    static void stop() {
        client.close();
        sidecar.close();
        flaky.close();
        slow.close();
        closer.close();
    }

    @BeforeEach
    void clear() {
        flaky.reset();
        slow.reset();
        closer.reset();
        failuresLeft.set(0);
        slowTriesLeft.set(0);
    }

    @Test
    void a5xxIsRetriedUntilItSucceeds() {
        failuresLeft.set(2);
        ProxyClient.Response response = client.get("retry-5xx", "/");
        assertThat(response.status()).isEqualTo(200);
        assertThat(flaky.requests()).isEqualTo(3);
    }

    @Test
    void whenRetriesRunOutTheLastUpstreamResponseIsRelayed() {
        failuresLeft.set(5);
        ProxyClient.Response response = client.get("retry-5xx", "/");
        assertThat(response.status()).isEqualTo(503);
        assertThat(response.body()).isEqualTo("busy");
        assertThat(flaky.requests()).isEqualTo(3);
    }

    @Test
    void attemptsZeroTriesOnce() {
        failuresLeft.set(1);
        assertThat(client.get("no-retries", "/").status()).isEqualTo(503);
        assertThat(flaky.requests()).isEqualTo(1);
    }

    @Test
    void theDefaultPolicyRetriesA503ForIdempotentMethodsOnly() {
        failuresLeft.set(1);
        assertThat(client.get("default-policy", "/").status()).isEqualTo(200);
        assertThat(flaky.requests()).isEqualTo(2);

        flaky.reset();
        failuresLeft.set(1);
        ProxyClient.Response post = client.send(HttpMethod.POST, "default-policy", "/", "charge=1", HttpHeaders.EMPTY_HEADERS);
        assertThat(post.status()).isEqualTo(503);
        assertThat(flaky.requests()).isEqualTo(1);
    }

    @Test
    void aSmallBodyIsReplayedOnRetry() {
        failuresLeft.set(1);
        String body = "x".repeat(10_000);
        ProxyClient.Response response = client.send(HttpMethod.POST, "retry-5xx", "/", body, HttpHeaders.EMPTY_HEADERS);
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("ok 10000");
        assertThat(flaky.requests()).isEqualTo(2);
    }

    @Test
    void aBodyLargerThanTheRetryBufferIsStreamedAndNotRetried() {
        failuresLeft.set(1);
        String body = "y".repeat(RequestBody.RETRY_BUFFER_BYTES + 1);
        ProxyClient.Response response = client.send(HttpMethod.PUT, "retry-5xx", "/", body, HttpHeaders.EMPTY_HEADERS);
        assertThat(response.status()).isEqualTo(503);
        assertThat(flaky.requests()).isEqualTo(1);
        failuresLeft.set(0);
        assertThat(client.send(HttpMethod.PUT, "retry-5xx", "/", body, HttpHeaders.EMPTY_HEADERS).body())
                .isEqualTo("ok " + body.length());
    }

    @Test
    void aConnectFailureIsRetriedOnAnotherEndpoint() {
        for (int i = 0; i < 4; i++) {
            assertThat(client.get("half-dead", "/").status()).isEqualTo(200);
        }
    }

    @Test
    void anUnreachableUpstreamGets502WithFlagUF() {
        ProxyClient.Response response = client.get("dead", "/");
        assertThat(response.status()).isEqualTo(502);
        assertThat(response.body()).contains("upstream connect error").contains("connection failure");
    }

    @Test
    void aPerTryTimeoutStartsAnotherTry() {
        slowTriesLeft.set(1);
        long start = System.nanoTime();
        ProxyClient.Response response = client.get("per-try", "/");
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("slow-ok");
        assertThat(slow.requests()).isEqualTo(2);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void theRouteTimeoutAnswers504() {
        slowTriesLeft.set(1);
        long start = System.nanoTime();
        ProxyClient.Response response = client.get("route-timeout", "/");
        assertThat(response.status()).isEqualTo(504);
        assertThat(response.body()).isEqualTo("upstream request timeout\n");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(1900));
    }

    @Test
    void theRouteTimeoutCoversAllTries() {
        slowTriesLeft.set(100);
        long start = System.nanoTime();
        ProxyClient.Response response = client.get("all-tries-timeout", "/");
        assertThat(response.status()).isEqualTo(504);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(1900));
        assertThat(slow.requests()).isBetween(2, 4);
    }

    @Test
    void aReusedConnectionClosedByTheUpstreamIsRetriedOnAFreshOneEvenWithoutRetries() {
        for (int i = 0; i < 6; i++) {
            ProxyClient.Response response = client.send(HttpMethod.PUT, "closer", "/", "n=" + i, HttpHeaders.EMPTY_HEADERS);
            assertThat(response.status()).as("request %d", i).isEqualTo(200);
            assertThat(response.body()).isEqualTo("closer-ok");
        }
    }

    @Test
    void aPostOnAReusedConnectionIsRetriedOnlyWithAnIdempotencyKey() {
        io.netty.handler.codec.http.DefaultHttpHeaders keyed = new io.netty.handler.codec.http.DefaultHttpHeaders();
        keyed.set("idempotency-key", "order-7");
        for (int i = 0; i < 4; i++) {
            assertThat(client.send(HttpMethod.POST, "closer", "/", "n=" + i, keyed).status()).as("request %d", i).isEqualTo(200);
        }
        // Without a key, a POST the upstream may have received is not sent twice: the first one
        // takes the fresh connection, the second lands on the reused one and fails cleanly.
        closer.reset();
        int failed = 0;
        for (int i = 0; i < 4; i++) {
            ProxyClient.Response response = client.send(HttpMethod.POST, "closer", "/", "n=" + i, HttpHeaders.EMPTY_HEADERS);
            if (response.status() == 502) {
                failed++;
                assertThat(response.body()).contains("connection termination");
            }
        }
        assertThat(failed).isGreaterThan(0);
        assertThat(closer.requests()).isEqualTo(4);
    }

    @Test
    void aResetOnAFreshConnectionIsNotRetriedByDefault() {
        io.netty.handler.codec.http.DefaultHttpHeaders headers = new io.netty.handler.codec.http.DefaultHttpHeaders();
        headers.set("x-close", "always");
        // A cluster of its own, used by this test only: its first connection is a fresh one.
        ProxyClient.Response response = client.send(HttpMethod.POST, "closer-fresh", "/", "pay", headers);
        assertThat(response.status()).isEqualTo(502);
        assertThat(response.body()).contains("connection termination");
        assertThat(closer.requests()).isEqualTo(1);
    }
}
