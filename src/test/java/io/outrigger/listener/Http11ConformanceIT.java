package io.outrigger.listener;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.outrigger.testing.ProxyClient;
import io.outrigger.testing.RawHttp;
import io.outrigger.testing.Sidecar;
import io.outrigger.testing.TestUpstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** HTTP/1.1 as a proxy must speak it: framing, special statuses, hop-by-hop headers, bad input. */
@ExtendWith(OutputCaptureExtension.class)
class Http11ConformanceIT {

    static TestUpstream upstream;
    static Sidecar sidecar;
    static ProxyClient client;

    @BeforeAll
    static void start() {
        upstream = TestUpstream.start("app").handler((request, response) -> {
            String path = request.path();
            switch (path) {
                case "echo":
                    // Streams the request body back as it arrives (no Content-Length: chunked).
                    return response.send(request.receive().retain());
                case "count":
                    return request.receive().map(ByteBuf::readableBytes).reduce(0L, Long::sum)
                            .flatMap(n -> response.sendString(Mono.just(Long.toString(n))).then());
                case "big": {
                    int chunks = Integer.parseInt(request.param("chunks") == null ? "256" : "256");
                    return response.header(HttpHeaderNames.CONTENT_LENGTH, Long.toString(chunks * 65536L))
                            .send(Flux.range(0, chunks).map(i -> Unpooled.wrappedBuffer(new byte[65536])));
                }
                case "no-content":
                    return response.status(204).send();
                case "not-modified":
                    return response.status(304).header("etag", "\"v1\"").send();
                case "head":
                    return response.header(HttpHeaderNames.CONTENT_LENGTH, "1234").header("x-kind", "head").send();
                case "hop":
                    return response.header("connection", "x-private").header("x-private", "secret")
                            .header("keep-alive", "timeout=5").header("x-public", "ok").sendString(Mono.just("hop"));
                default:
                    return request.receive().then(response.sendString(Mono.just("app")).then());
            }
        });
        sidecar = Sidecar.start("""
                outrigger:
                  routes:
                    - name: app
                      hosts: [ "app" ]
                      route: [ { cluster: app } ]
                      headers:
                        request: { set: { x-env: test }, add: { x-added: one }, remove: [ x-debug ] }
                        response: { set: { server: outrigger }, remove: [ x-upstream ] }
                  clusters:
                    app: { endpoints: [ "%s" ] }
                """.formatted(upstream.endpoint()));
        client = new ProxyClient(sidecar.outboundPort());
    }

    @AfterAll
    static void stop() {
        client.close();
        sidecar.close();
        upstream.close();
    }

    @Test
    void theHostHeaderReachesTheUpstreamUnchangedAndNothingIsAdded() throws IOException {
        String response = RawHttp.exchange(sidecar.outboundPort(),
                "GET /plain HTTP/1.1\r\nHost: app\r\nConnection: close\r\n\r\n");
        assertThat(RawHttp.status(response)).isEqualTo(200);
        TestUpstream.Seen seen = upstream.last();
        assertThat(seen.headers().get("host")).isEqualTo("app");
        assertThat(seen.headers().contains("user-agent")).isFalse();
        assertThat(seen.headers().contains("accept")).isFalse();
        assertThat(seen.headers().get("x-request-id")).matches("[0-9a-f-]{36}");
    }

    @Test
    void requestIdAndTraceHeadersAreKept() throws IOException {
        RawHttp.exchange(sidecar.outboundPort(), "GET /plain HTTP/1.1\r\nHost: app\r\nx-request-id: abc-123\r\n"
                + "traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\nb3: 80f198ee56343ba8-e457b5a2e4d86bd1-1\r\n"
                + "x-b3-traceid: 80f198ee56343ba8\r\nConnection: close\r\n\r\n");
        TestUpstream.Seen seen = upstream.last();
        assertThat(seen.headers().get("x-request-id")).isEqualTo("abc-123");
        assertThat(seen.headers().get("traceparent")).isEqualTo("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        assertThat(seen.headers().get("b3")).isEqualTo("80f198ee56343ba8-e457b5a2e4d86bd1-1");
        assertThat(seen.headers().get("x-b3-traceid")).isEqualTo("80f198ee56343ba8");
    }

    @Test
    void headerRulesApplyToRequestAndResponse() throws IOException {
        String response = RawHttp.exchange(sidecar.outboundPort(), "GET /plain HTTP/1.1\r\nHost: app\r\n"
                + "x-debug: 1\r\nx-added: zero\r\nx-env: prod\r\nConnection: close\r\n\r\n");
        TestUpstream.Seen seen = upstream.last();
        assertThat(seen.headers().getAll("x-env")).containsExactly("test");
        assertThat(seen.headers().getAll("x-added")).containsExactly("zero", "one");
        assertThat(seen.headers().contains("x-debug")).isFalse();
        assertThat(response).containsIgnoringCase("server: outrigger").doesNotContainIgnoringCase("x-upstream");
    }

    @Test
    void hopByHopHeadersAreNotForwardedEitherWay() throws IOException {
        String response = RawHttp.exchange(sidecar.outboundPort(), "GET /hop HTTP/1.1\r\nHost: app\r\n"
                + "Connection: close, x-hop\r\nx-hop: 1\r\nKeep-Alive: timeout=9\r\nProxy-Connection: keep-alive\r\n"
                + "TE: trailers\r\nUpgrade: websocket\r\nx-end: 2\r\n\r\n");
        TestUpstream.Seen seen = upstream.last();
        for (String name : List.of("x-hop", "keep-alive", "proxy-connection", "te", "upgrade")) {
            assertThat(seen.headers().contains(name)).as(name).isFalse();
        }
        assertThat(seen.headers().get("x-end")).isEqualTo("2");
        String headers = response.substring(0, response.indexOf("\r\n\r\n")).toLowerCase();
        assertThat(headers).contains("x-public: ok").doesNotContain("x-private").doesNotContain("keep-alive:");
    }

    @Test
    void aChunkedRequestStreamsThroughAndTheResponseComesBackChunked() throws IOException {
        String response = RawHttp.exchange(sidecar.outboundPort(), "POST /echo HTTP/1.1\r\nHost: app\r\n"
                + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
        assertThat(RawHttp.status(response)).isEqualTo(200);
        // With "Connection: close" the response may be close-delimited instead of chunked.
        String headers = response.substring(0, response.indexOf("\r\n\r\n")).toLowerCase();
        assertThat(headers).containsAnyOf("transfer-encoding: chunked", "connection: close");
        assertThat(response.replaceAll("\r\n[0-9a-f]+\r\n", "")).contains("hello world");
    }

    @Test
    void aStreamedResponseKeepsTheClientConnectionAlive() throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", sidecar.outboundPort()));
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            for (int i = 0; i < 2; i++) {
                out.write(("POST /echo HTTP/1.1\r\nHost: app\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "5\r\nhello\r\n0\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                String response = readUntil(in, "0\r\n\r\n");
                assertThat(response).as("response %d", i).startsWith("HTTP/1.1 200")
                        .containsIgnoringCase("transfer-encoding: chunked").doesNotContainIgnoringCase("connection: close")
                        .contains("hello");
            }
        }
    }

    @Test
    void anAbsoluteFormTargetIsRoutedByItsAuthorityWhichBecomesTheHost() throws IOException {
        String response = RawHttp.exchange(sidecar.outboundPort(),
                "GET http://app/plain?q=1 HTTP/1.1\r\nHost: ignored.example\r\nConnection: close\r\n\r\n");
        assertThat(RawHttp.status(response)).isEqualTo(200);
        assertThat(upstream.last().uri()).isEqualTo("/plain?q=1");
        assertThat(upstream.last().headers().get("host")).isEqualTo("app");
    }

    @Test
    void everyConnectionHeaderNamesHopByHopFields() throws IOException {
        RawHttp.exchange(sidecar.outboundPort(), "GET /plain HTTP/1.1\r\nHost: app\r\nConnection: x-one\r\n"
                + "Connection: x-two, close\r\nx-one: 1\r\nx-two: 2\r\nx-three: 3\r\n\r\n");
        TestUpstream.Seen seen = upstream.last();
        assertThat(seen.headers().contains("x-one")).isFalse();
        assertThat(seen.headers().contains("x-two")).isFalse();
        assertThat(seen.headers().get("x-three")).isEqualTo("3");
    }

    private static String readUntil(InputStream in, String end) throws IOException {
        StringBuilder text = new StringBuilder();
        while (!text.toString().endsWith(end)) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            text.append((char) b);
        }
        return text.toString();
    }

    @Test
    void largeBodiesStreamBothWays() {
        long size = 32L * 1024 * 1024;
        HttpClient http = HttpClient.create().host("127.0.0.1").port(sidecar.outboundPort())
                .headers(h -> h.set("host", "app").set(HttpHeaderNames.CONTENT_LENGTH, size));
        String counted = http.post().uri("/count")
                .send(Flux.range(0, (int) (size / 65536)).map(i -> Unpooled.wrappedBuffer(new byte[65536])))
                .responseSingle((r, body) -> body.asString())
                .block(Duration.ofSeconds(60));
        assertThat(counted).isEqualTo(Long.toString(size));
        Long received = HttpClient.create().host("127.0.0.1").port(sidecar.outboundPort())
                .headers(h -> h.set("host", "app"))
                .get().uri("/big")
                .responseContent().map(ByteBuf::readableBytes).reduce(0L, Long::sum)
                .block(Duration.ofSeconds(60));
        assertThat(received).isEqualTo(256L * 65536);
    }

    @Test
    void headResponsesHaveHeadersButNoBody() throws IOException {
        String response = RawHttp.exchange(sidecar.outboundPort(),
                "HEAD /head HTTP/1.1\r\nHost: app\r\nConnection: close\r\n\r\n");
        assertThat(RawHttp.status(response)).isEqualTo(200);
        assertThat(response.toLowerCase()).contains("content-length: 1234").contains("x-kind: head");
        assertThat(response).endsWith("\r\n\r\n");
    }

    @Test
    void noContentAndNotModifiedHaveNoBody() throws IOException {
        String noContent = RawHttp.exchange(sidecar.outboundPort(),
                "GET /no-content HTTP/1.1\r\nHost: app\r\nConnection: close\r\n\r\n");
        assertThat(RawHttp.status(noContent)).isEqualTo(204);
        assertThat(noContent).endsWith("\r\n\r\n");
        assertThat(noContent.toLowerCase()).doesNotContain("transfer-encoding");
        String notModified = RawHttp.exchange(sidecar.outboundPort(),
                "GET /not-modified HTTP/1.1\r\nHost: app\r\nConnection: close\r\n\r\n");
        assertThat(RawHttp.status(notModified)).isEqualTo(304);
        assertThat(notModified).endsWith("\r\n\r\n").contains("\"v1\"");
    }

    @Test
    void expectContinueIsAnsweredAndTheBodyForwarded() throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", sidecar.outboundPort()));
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(("POST /count HTTP/1.1\r\nHost: app\r\nContent-Length: 5\r\nExpect: 100-continue\r\n"
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            byte[] interim = new byte[25];
            int n = in.readNBytes(interim, 0, 25);
            assertThat(new String(interim, 0, n, StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 100 Continue");
            out.write("hello".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String rest = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(rest).contains("HTTP/1.1 200").endsWith("5");
        }
        assertThat(upstream.last().headers().contains("expect")).isFalse();
    }

    @Test
    void malformedRequestsGet400Or431AndTheListenerKeepsServing(CapturedOutput output) throws Exception {
        int port = sidecar.outboundPort();
        assertThat(RawHttp.status(RawHttp.exchange(port, "\u0001\u0002garbage here\r\n\r\n"))).isEqualTo(400);
        assertThat(RawHttp.status(RawHttp.exchange(port,
                "POST /count HTTP/1.1\r\nHost: app\r\nContent-Length: -5\r\n\r\nhello"))).isEqualTo(400);
        String badChunk = RawHttp.exchange(port,
                "POST /count HTTP/1.1\r\nHost: app\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n");
        assertThat(RawHttp.status(badChunk)).isEqualTo(400);
        double before431 = rejected("431");
        // Just over the 60KB limit: a far bigger header would still be arriving when the listener
        // answers 431 and closes, and the client's unread-data reset could race the answer away.
        String huge = RawHttp.exchange(port, "GET / HTTP/1.1\r\nHost: app\r\nx-big: " + "a".repeat(62_000) + "\r\n\r\n");
        assertThat(RawHttp.status(huge)).isEqualTo(431);
        assertThat(rejected("431")).as("the decoder's own refusals are counted").isEqualTo(before431 + 1);
        double before414 = rejected("414");
        assertThat(RawHttp.status(RawHttp.exchange(port, "GET /" + "u".repeat(17_000) + " HTTP/1.1\r\nHost: app\r\n\r\n")))
                .isEqualTo(414);
        assertThat(rejected("414")).isEqualTo(before414 + 1);
        assertThat(client.get("app", "/after").body()).isEqualTo("app");
        // Its access-log line comes after those of the requests before it, and after anything
        // they logged on the way.
        await().atMost(Duration.ofSeconds(10)).until(() -> output.getOut().contains("\"GET /after HTTP/1.1\" 200 "));
        // A client's malformed request is the client's fault: no proxy error, no blame on the upstream.
        assertThat(output.getOut()).doesNotContain("failed inside the proxy").doesNotContain(" 502 UC ");
    }

    static double rejected(String status) {
        return new io.outrigger.testing.PrometheusPage(io.outrigger.testing.Admin.get(sidecar.adminPort(), "/actuator/prometheus").body())
                .sum("outrigger_listener_rejected_requests_total", java.util.Map.of("listener", "outbound", "response_code", status));
    }

    @Test
    void threeHundredIdleOrHalfSentConnectionsDoNotStopOtherClients() throws IOException {
        List<Socket> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < 300; i++) {
                Socket socket = new Socket("127.0.0.1", sidecar.outboundPort());
                if (i % 2 == 1) {
                    socket.getOutputStream().write("GET /slow HTTP/1.1\r\nHost: ap".getBytes(StandardCharsets.ISO_8859_1));
                }
                stalled.add(socket);
            }
            for (int i = 0; i < 50; i++) {
                assertThat(client.get("app", "/x").status()).isEqualTo(200);
            }
        } finally {
            for (Socket socket : stalled) {
                socket.close();
            }
        }
    }
}
