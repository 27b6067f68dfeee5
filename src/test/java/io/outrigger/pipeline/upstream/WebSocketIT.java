package io.outrigger.pipeline.upstream;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.outrigger.testing.PrometheusPage;
import io.outrigger.testing.ProxyClient;
import io.outrigger.testing.Sidecar;
import io.outrigger.testing.TestPki;
import io.outrigger.testing.TestUpstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.util.FileSystemUtils;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.WebsocketServerSpec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * WebSocket through the sidecar, with Java's own WebSocket client and Reactor Netty's WebSocket
 * server: routed like any request, then relayed as bytes both ways, closed from either side, cut
 * by the TCP idle timeout, and logged once with the bytes of both ways. Through the outbound
 * listener, the inbound one, and two sidecars over mTLS (with {@code h2-upgrade}, which a
 * WebSocket is never carried by).
 */
@ExtendWith(OutputCaptureExtension.class)
class WebSocketIT {

    static final String CALLEE = "spiffe://cluster.local/ns/chat/sa/callee";

    static Path dir;
    static DisposableServer server;
    static TestUpstream plain;
    static Sidecar sidecar;
    static Sidecar callee;
    static Sidecar caller;
    static final HttpClient client = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws IOException {
        dir = Files.createTempDirectory("outrigger-websocket");
        server = HttpServer.create().host("127.0.0.1").port(0)
                .route(routes -> routes
                        .ws("/echo", (in, out) -> out.sendObject(in.aggregateFrames(4 << 20).receiveFrames()
                                        .filter(frame -> frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame)
                                        .map(WebSocketFrame::retain)),
                                WebsocketServerSpec.builder().maxFramePayloadLength(4 << 20).build())
                        .ws("/off/echo", (in, out) -> out.sendObject(in.receiveFrames().map(WebSocketFrame::retain)))
                        .ws("/bye", (in, out) -> out.sendString(Mono.just("bye")).then()
                                .then(out.sendClose(1000, "done")))
                        .get("/plain", (request, response) -> response.sendString(Mono.just(
                                "upgrade=" + request.requestHeaders().get("upgrade")))))
                .bindNow();
        plain = TestUpstream.start("plain");
        sidecar = Sidecar.start("""
                outrigger:
                  outbound:
                    limits: { tcp-idle-timeout: 2s }
                  inbound:
                    app-port: %d
                  routes:
                    - { name: plain, hosts: [ "plain" ], route: [ { cluster: plain } ] }
                    - { name: no-websocket, hosts: [ "*" ], match: [ { uri: { prefix: /off/ } } ],
                        route: [ { cluster: chat } ], websocket: false }
                    - { name: chat, hosts: [ "*" ], route: [ { cluster: chat } ] }
                  clusters:
                    chat: { endpoints: [ "127.0.0.1:%d" ] }
                    plain: { endpoints: [ "%s" ] }
                """.formatted(server.port(), server.port(), plain.endpoint()));
        TestPki.Ca mesh = TestPki.ca("mesh");
        callee = Sidecar.start("""
                outrigger:
                %s
                  inbound:
                    app-port: %d
                    tls-mode: STRICT
                """.formatted(mesh.issue(CALLEE).writeTo(dir.resolve("callee")), server.port()));
        caller = Sidecar.start("""
                outrigger:
                %s
                  routes:
                    - { name: chat, hosts: [ "*" ], route: [ { cluster: chat } ] }
                  clusters:
                    chat: { endpoints: [ "127.0.0.1:%d" ], tls: mutual, peer-principals: [ "%s" ], h2-upgrade: true }
                """.formatted(mesh.issue("spiffe://cluster.local/ns/chat/sa/caller").writeTo(dir.resolve("caller")),
                callee.inboundPort(), CALLEE));
    }

    @AfterAll
    static void stop() throws Exception {
        caller.close();
        callee.close();
        sidecar.close();
        plain.close();
        server.disposeNow();
        FileSystemUtils.deleteRecursively(dir.toFile());
    }

    @Test
    void messagesGoBothWaysThroughTheOutboundListenerAndTheClientCloses(CapturedOutput output) throws Exception {
        Socket socket = Socket.open(sidecar.outboundPort(), "/echo?through=outbound");
        socket.ws.sendText("hello", true).get(5, TimeUnit.SECONDS);
        assertThat(socket.next()).isEqualTo("hello");
        socket.ws.sendText("again", true).get(5, TimeUnit.SECONDS);
        assertThat(socket.next()).isEqualTo("again");
        socket.ws.sendClose(WebSocket.NORMAL_CLOSURE, "client done").get(5, TimeUnit.SECONDS);
        assertThat(socket.closed.get(5, TimeUnit.SECONDS)).isEqualTo(WebSocket.NORMAL_CLOSURE);
        String line = awaitLine(output, "/echo?through=outbound");
        assertThat(line).contains("\"GET /echo?through=outbound HTTP/1.1\" 101 - ").contains("\"chat\" \"chat\"").contains(" outbound ");
        long[] bytes = bytes(line);
        // Two masked text frames and a close from the client (6 bytes of header each, plus
        // payload), two unmasked ones and the close back from the server.
        assertThat(bytes[0]).isEqualTo(6 + 5 + 6 + 5 + 6 + 2 + "client done".length());
        assertThat(bytes[1]).isGreaterThanOrEqualTo(2 + 5 + 2 + 5 + 2 + 2);
        Map<String, String> labels = Map.of("reporter", "source", "response_code", "101", "destination_service_name", "chat");
        assertThat(PrometheusPage.scrapeUntil(sidecar.adminPort(), p -> p.sum("istio_requests_total", labels) >= 1)
                .sum("istio_requests_total", labels)).isGreaterThanOrEqualTo(1);
    }

    @Test
    void theServerClosesAndTheClientHearsItsCode() throws Exception {
        Socket socket = Socket.open(sidecar.outboundPort(), "/bye");
        assertThat(socket.next()).isEqualTo("bye");
        assertThat(socket.closed.get(5, TimeUnit.SECONDS)).isEqualTo(1000);
        assertThat(socket.reason).isEqualTo("done");
    }

    @Test
    void aMegabyteMessageComesBackWhole() throws Exception {
        Socket socket = Socket.open(sidecar.outboundPort(), "/echo");
        byte[] payload = new byte[1 << 20];
        Arrays.fill(payload, (byte) 'x');
        socket.ws.sendBinary(ByteBuffer.wrap(payload), true).get(10, TimeUnit.SECONDS);
        assertThat(socket.nextBinary()).isEqualTo(payload.length);
        socket.ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(5, TimeUnit.SECONDS);
        socket.closed.get(5, TimeUnit.SECONDS);
    }

    @Test
    void theInboundListenerRelaysToTheApplication() throws Exception {
        Socket socket = Socket.open(sidecar.inboundPort(), "/echo");
        socket.ws.sendText("in", true).get(5, TimeUnit.SECONDS);
        assertThat(socket.next()).isEqualTo("in");
        socket.ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(5, TimeUnit.SECONDS);
        assertThat(socket.closed.get(5, TimeUnit.SECONDS)).isEqualTo(WebSocket.NORMAL_CLOSURE);
    }

    @Test
    void twoSidecarsCarryItInsideTheirMutualTls(CapturedOutput output) throws Exception {
        Socket socket = Socket.open(caller.outboundPort(), "/echo?through=mtls");
        for (int i = 0; i < 20; i++) {
            socket.ws.sendText("m" + i, true).get(5, TimeUnit.SECONDS);
            assertThat(socket.next()).isEqualTo("m" + i);
        }
        socket.ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(5, TimeUnit.SECONDS);
        assertThat(socket.closed.get(5, TimeUnit.SECONDS)).isEqualTo(WebSocket.NORMAL_CLOSURE);
        String inbound = awaitLine(output, "/echo?through=mtls HTTP/1.1\" 101 - ", "inbound");
        assertThat(inbound).contains("\"" + "spiffe://cluster.local/ns/chat/sa/caller" + "\"");
        awaitLine(output, "/echo?through=mtls HTTP/1.1\" 101 - ", "outbound");
    }

    @Test
    void aTunnelWithNothingToCarryEndsAtTheIdleTimeout(CapturedOutput output) throws Exception {
        Socket socket = Socket.open(sidecar.outboundPort(), "/echo?idle");
        long start = System.nanoTime();
        socket.closed.handle((code, error) -> null).get(10, TimeUnit.SECONDS);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofMillis(1500));
        assertThat(awaitLine(output, "/echo?idle HTTP/1.1\" 101 ")).contains("\"chat\" \"chat\"").contains(" outbound ");
    }

    @Test
    void aRouteWithWebsocketOffSendsThePlainRequestWhichTheServerRefuses() {
        assertThatThrownBy(() -> Socket.open(sidecar.outboundPort(), "/off/echo"))
                .hasStackTraceContaining("Unexpected HTTP response status code 404");   // no upgrade, no WebSocket route
    }

    @Test
    void anUpgradeToAnythingElseGoesOnAsPlainHttp() throws Exception {
        try (ProxyClient proxy = new ProxyClient(sidecar.outboundPort())) {
            DefaultHttpHeaders headers = new DefaultHttpHeaders();
            headers.set("upgrade", "TLS/1.2").set("connection", "upgrade");
            assertThat(proxy.send(HttpMethod.GET, "plain", "/x", null, headers).status()).isEqualTo(200);
        }
        assertThat(plain.last().headers().contains("upgrade")).isFalse();
    }

    /** A WebSocket client connection and what it has received. */
    static final class Socket implements WebSocket.Listener {
        final BlockingQueue<Object> received = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        volatile String reason;
        WebSocket ws;
        private StringBuilder text = new StringBuilder();
        private int binary;

        static Socket open(int port, String path) throws Exception {
            Socket socket = new Socket();
            try {
                socket.ws = client.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
                        .buildAsync(URI.create("ws://127.0.0.1:" + port + path), socket).get(10, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                throw new IllegalStateException("handshake failed", e.getCause());
            }
            return socket;
        }

        String next() throws InterruptedException {
            return (String) Optional.ofNullable(received.poll(5, TimeUnit.SECONDS)).orElseThrow();
        }

        int nextBinary() throws InterruptedException {
            return (Integer) Optional.ofNullable(received.poll(10, TimeUnit.SECONDS)).orElseThrow();
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                received.add(text.toString());
                text = new StringBuilder();
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            binary += data.remaining();
            if (last) {
                received.add(binary);
                binary = 0;
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String why) {
            reason = why;
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.completeExceptionally(error);
        }
    }

    private static String awaitLine(CapturedOutput output, String... markers) {
        return await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                .alias("no access-log line with " + Arrays.toString(markers))
                .until(() -> Arrays.stream(output.getOut().split("\n"))
                        .filter(line -> line.startsWith("[") && Arrays.stream(markers).allMatch(line::contains))
                        .findFirst(), Optional::isPresent)
                .orElseThrow();
    }

    /** Bytes received and sent, from a text access-log line ("... 101 - RECEIVED SENT DURATION ..."). */
    private static long[] bytes(String line) {
        String[] fields = line.substring(line.indexOf("\" 101 ") + 6).split(" ");
        return new long[] {Long.parseLong(fields[1]), Long.parseLong(fields[2])};
    }
}
