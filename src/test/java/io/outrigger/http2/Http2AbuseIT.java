package io.outrigger.http2;

import java.io.IOException;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.outrigger.testing.PrometheusPage;
import io.outrigger.testing.Sidecar;
import io.outrigger.testing.TestUpstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * HTTP/2 clients that misbehave, frame by frame: floods of RST_STREAM (CVE-2023-44487), of
 * CONTINUATION (CVE-2024-27316's class), of PING and SETTINGS left unread, a header block over
 * the limit, and seeded random frames. Each is bounded and answered with an HTTP/2 error, and a
 * well-behaved connection opened before the abuse is served throughout. The abusive streams name
 * a host no route claims: streams reset upstream as fast as a client resets them would bring an
 * upstream's own reset limit down on the connection every client shares (see the docs).
 */
class Http2AbuseIT {

    static final long ENHANCE_YOUR_CALM = 0xb;

    static TestUpstream web;
    static Sidecar sidecar;
    static RawHttp2 bystander;
    static int bystanderStream = 1;

    @BeforeAll
    static void start() throws IOException {
        web = TestUpstream.startH2c("web");
        sidecar = Sidecar.start("""
                outrigger:
                  outbound:
                    limits: { max-request-headers-size: 16KB }
                  access-log: { enabled: false }
                  routes:
                    - { name: web, hosts: [ web ], route: [ { cluster: web } ] }
                  clusters:
                    web: { endpoints: [ "%s" ] }
                """.formatted(web.endpoint()));
        bystander = new RawHttp2(sidecar.outboundPort(), 0);
        assertThat(bystander.status(bystanderStream, "web", "/")).isEqualTo(200);
    }

    @AfterAll
    static void stop() throws IOException {
        bystander.close();
        sidecar.close();
        web.close();
    }

    /** The connection opened before the abuse is still served, and so is a new one. */
    private static void othersAreStillServed() throws IOException {
        bystanderStream += 2;
        assertThat(bystander.status(bystanderStream, "web", "/after")).isEqualTo(200);
        try (RawHttp2 fresh = new RawHttp2(sidecar.outboundPort(), 0)) {
            assertThat(fresh.status(1, "web", "/fresh")).isEqualTo(200);
        }
    }

    @Test
    void aFloodOfStreamsResetAsSoonAsOpenedIsCutOff() throws Exception {
        // To a host no route claims: what is tested here is the listener, not the upstream.
        resetAsOpened("nowhere", 10_000);
        othersAreStillServed();
        assertCounted("enhance_your_calm");
    }

    /**
     * Streams to a real upstream, each reset as soon as opened, fewer than the codec's RST_STREAM
     * bound allows: the premature-reset guard closes the connection before the resets it passes
     * on can get the connection every client shares to the upstream closed.
     */
    @Test
    void aClientResettingItsStreamsEarlyIsCutOffBeforeTheUpstreamIs() throws Exception {
        int before = web.requests() + 2;   // and the two of othersAreStillServed
        resetAsOpened("web", 190);   // within Netty's 200
        othersAreStillServed();
        assertCounted("premature_resets");
        assertThat(web.requests() - before).as("streams that reached the upstream")
                .isLessThanOrEqualTo(100);   // the guard trips at the 100th reset; later streams are refused
    }

    /** Opens up to {@code streams} streams to {@code authority}, each reset as it opens, until the server has had enough. */
    private static void resetAsOpened(String authority, int streams) throws Exception {
        try (RawHttp2 abuser = new RawHttp2(sidecar.outboundPort(), 0)) {
            CompletableFuture<Void> flood = CompletableFuture.runAsync(() -> {
                try {
                    for (int stream = 1; stream < 2 * streams; stream += 2) {
                        abuser.frame(RawHttp2.HEADERS, RawHttp2.END_HEADERS, stream, abuser.get(authority, "/rapid"));
                        abuser.frame(RawHttp2.RST_STREAM, 0, stream, new byte[] {0, 0, 0, 8});   // CANCEL
                    }
                } catch (IOException closed) {
                    // the server has had enough
                }
            });
            assertThat(abuser.goAway()).isEqualTo(ENHANCE_YOUR_CALM);
            flood.get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void endlessContinuationFramesAreCutOff() throws Exception {
        try (RawHttp2 abuser = new RawHttp2(sidecar.outboundPort(), 0)) {
            CompletableFuture<Integer> flood = CompletableFuture.supplyAsync(() -> {
                int sent = 0;
                try {
                    abuser.frame(RawHttp2.HEADERS, 0, 1, abuser.get("web", "/continued"));
                    byte[] junk = new byte[16_384];
                    new Random(7).nextBytes(junk);
                    for (; sent < 1_000; sent++) {   // 16 MB, if nothing stopped it
                        abuser.frame(RawHttp2.CONTINUATION, 0, 1, junk);
                    }
                } catch (IOException closed) {
                    // cut off
                }
                return sent;
            });
            assertThat(abuser.goAway()).isPositive();
            assertThat(flood.get(30, TimeUnit.SECONDS)).as("CONTINUATION frames written before the cut").isLessThan(1_000);
        }
        othersAreStillServed();
    }

    @Test
    void pingsAndSettingsLeftUnansweredAreCutOffAndCounted() throws Exception {
        for (int type : new int[] {RawHttp2.PING, RawHttp2.SETTINGS}) {
            double before = errors("enhance_your_calm");
            // A small receive buffer: the answers back up in the server, as they would for a client that never reads.
            try (RawHttp2 abuser = new RawHttp2(sidecar.outboundPort(), 4096)) {
                byte[] payload = type == RawHttp2.PING ? new byte[8] : new byte[0];
                CompletableFuture<Void> flood = CompletableFuture.runAsync(() -> {
                    try {
                        for (int i = 0; i < 2_000_000; i++) {
                            abuser.frame(type, 0, 0, payload);
                        }
                    } catch (IOException closed) {
                        // cut off
                    }
                });
                flood.get(60, TimeUnit.SECONDS);
                assertThat(abuser.closedByServer()).as("frame type %d", type).isTrue();
            }
            assertThat(PrometheusPage.scrapeUntil(sidecar.adminPort(), p -> errors(p, "enhance_your_calm") > before)
                    .sum("outrigger_http2_connection_errors_total", Map.of("listener", "outbound", "reason", "enhance_your_calm")))
                    .as("frame type %d", type).isEqualTo(before + 1);
        }
        othersAreStillServed();
    }

    private static double errors(String reason) {
        return errors(PrometheusPage.scrapeUntil(sidecar.adminPort(), page -> true), reason);
    }

    private static double errors(PrometheusPage page, String reason) {
        return page.sum("outrigger_http2_connection_errors_total", Map.of("listener", "outbound", "reason", reason));
    }

    @Test
    void aHeaderBlockOverTheLimitGets431AndTheConnectionGoesOn() throws Exception {
        // 17 KB of headers against a 16 KB limit: that stream is refused; past a quarter more, the connection would be.
        try (RawHttp2 client = new RawHttp2(sidecar.outboundPort(), 0)) {
            byte[] big = client.block(new io.netty.handler.codec.http2.DefaultHttp2Headers().method("GET").scheme("http")
                    .authority("web").path("/big").add("x-big", "v".repeat(9_000)).add("x-bigger", "w".repeat(8_000)));
            int half = big.length / 2;   // HPACK shrinks the values; what counts is their decoded size
            client.frame(RawHttp2.HEADERS, 0, 1, java.util.Arrays.copyOfRange(big, 0, half));
            client.frame(RawHttp2.CONTINUATION, RawHttp2.END_HEADERS, 1, java.util.Arrays.copyOfRange(big, half, big.length));
            assertThat(client.awaitStatus(1)).isEqualTo(431);
            assertThat(client.status(3, "web", "/next")).isEqualTo(200);
        }
    }

    @Test
    void randomFramesNeverTakeTheListenerDown() throws Exception {
        long seed = Long.getLong("fuzz.seed", 20261204L);
        Random random = new Random(seed);
        int[] types = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0x20};
        for (int connection = 0; connection < 200; connection++) {
            try (RawHttp2 fuzzer = new RawHttp2(sidecar.outboundPort(), 0)) {
                for (int i = 0; i < 30; i++) {
                    int type = types[random.nextInt(types.length)];
                    int stream = random.nextInt(4) == 0 ? random.nextInt() & 0x7fffffff : random.nextInt(8);
                    byte[] payload = type == RawHttp2.HEADERS && random.nextBoolean()
                            ? fuzzer.get("nowhere", "/fuzz")
                            : new byte[random.nextInt(64)];
                    if (payload.length > 0 && type != RawHttp2.HEADERS) {
                        random.nextBytes(payload);
                    }
                    fuzzer.frame(type, random.nextInt(256), stream, payload);
                }
            } catch (IOException closed) {
                // the server closed on bad input, as it may
            }
        }
        othersAreStillServed();
        PrometheusPage page = PrometheusPage.scrapeUntil(sidecar.adminPort(),
                p -> p.sum("outrigger_http2_connection_errors_total", Map.of("listener", "outbound")) > 0);
        assertThat(page.sum("outrigger_http2_connection_errors_total", Map.of("listener", "outbound")))
                .as("seed %d", seed).isPositive();
    }

    private static void assertCounted(String reason) {
        Map<String, String> labels = Map.of("listener", "outbound", "reason", reason);
        assertThat(PrometheusPage.scrapeUntil(sidecar.adminPort(),
                p -> p.sum("outrigger_http2_connection_errors_total", labels) >= 1)
                .sum("outrigger_http2_connection_errors_total", labels)).isGreaterThanOrEqualTo(1);
    }
}
