package io.outrigger.tcp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

import io.outrigger.interception.OriginalDestination;
import io.outrigger.protocol.TlsClientHellos;
import io.outrigger.testing.PrometheusPage;
import io.outrigger.testing.ProxyClient;
import io.outrigger.testing.Sidecar;
import io.outrigger.testing.TestPki;
import io.outrigger.testing.TestTcpServer;
import io.outrigger.testing.TestUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.Http2SslContextSpec;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.server.HttpServer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Non-HTTP TCP through both listeners, against real TCP servers on loopback, with a test double
 * telling each connection where it "was going": protocol detection, server-first protocols,
 * half-close, backpressure on large transfers, tcp-routes, refusals, metrics and the log line.
 */
@ExtendWith(OutputCaptureExtension.class)
class TcpProxyingIT {

    static volatile InetSocketAddress target;

    @Configuration(proxyBeanMethods = false)
    static class Redirected {
        @Bean
        OriginalDestination originalDestination() {
            return channel -> target;
        }
    }

    TestTcpServer echo = TestTcpServer.start(TestTcpServer.Mode.ECHO);
    TestTcpServer banner = TestTcpServer.start(TestTcpServer.Mode.BANNER_THEN_ECHO);
    TestTcpServer counter = TestTcpServer.start(TestTcpServer.Mode.COUNT_UNTIL_FIN);

    @AfterEach
    void stop() {
        echo.close();
        banner.close();
        counter.close();
    }

    Sidecar sidecar() {
        return sidecar("", "");
    }

    /** @param inbound, outbound more entries for those maps, e.g. {@code "mode: registry-only"} */
    Sidecar sidecar(String inbound, String outbound) {
        return Sidecar.start("""
                outrigger:
                  inbound: { app-port: %d %s }
                  outbound: { protocol-detection-timeout: 100ms %s }
                  tcp-routes:
                    - { name: db, port: 5432, cluster: db }
                    - { name: cache, port: 6379, address: 198.18.0.0/24, cluster: cache }
                  clusters:
                    db: { endpoints: [ "127.0.0.1:%d" ] }
                    cache: { endpoints: [ "127.0.0.1:%d" ] }
                """.formatted(echo.port(), inbound.isEmpty() ? "" : ", " + inbound, outbound.isEmpty() ? "" : ", " + outbound,
                        counter.port(), echo.port()),
                "--spring.main.sources=" + Redirected.class.getName(),
                "--spring.main.allow-bean-definition-overriding=true");
    }

    @Test
    void inboundNonHttpIsRelayedToTheApplicationPortAndCounted(CapturedOutput output) throws Exception {
        try (Sidecar sidecar = sidecar()) {
            target = new InetSocketAddress("198.18.0.10", echo.port());
            byte[] message = {0, 1, 2, 3, 'h', 'e', 'l', 'l', 'o', (byte) 0xff};
            try (Socket socket = connect(sidecar.inboundPort())) {
                socket.getOutputStream().write(message);
                assertThat(socket.getInputStream().readNBytes(message.length)).isEqualTo(message);
            }
            Map<String, String> labels = Map.of("reporter", "destination", "request_protocol", "tcp");
            PrometheusPage page = PrometheusPage.scrapeUntil(sidecar.adminPort(),
                    p -> p.sum("istio_tcp_connections_closed_total", labels) == 1);
            assertThat(page.sum("istio_tcp_connections_opened_total", labels)).isEqualTo(1);
            assertThat(page.sum("istio_tcp_connections_closed_total", labels)).isEqualTo(1);
            assertThat(page.sum("istio_tcp_received_bytes_total", labels)).isEqualTo(message.length);
            assertThat(page.sum("istio_tcp_sent_bytes_total", labels)).isEqualTo(message.length);
            assertThat(page.series("istio_tcp_connections_opened_total", labels).getFirst().labels())
                    .containsEntry("destination_cluster", "inbound|" + echo.port() + "||");
            awaitLine(output, "\"- - tcp\" 0 - 10 10 ");
            assertThat(line(output, "\"- - tcp\"")).contains("\"127.0.0.1:" + echo.port() + "\"").endsWith(" inbound \"-\"");
        }
    }

    /** An application's own TLS, HTTP/2 by ALPN included, stays TCP: curl --http2 talks to the server through it. */
    @Test
    void curlsHttp2OverItsOwnTlsIsRelayedUntouched(CapturedOutput output) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/curl")), "skipped: needs curl (.ci/run installs it)");
        TestPki.Svid certificate = TestPki.ca("app-ca").issue("spiffe://example.org/app");
        DisposableServer server = HttpServer.create().host("127.0.0.1").port(0)
                .secure(spec -> spec.sslContext(Http2SslContextSpec.forServer(
                        certificate.keys().getPrivate(), certificate.certificate())))
                .protocol(HttpProtocol.H2, HttpProtocol.HTTP11)
                .handle((request, response) -> response.sendString(Mono.just("over " + request.protocol())))
                .bindNow();
        try (Sidecar sidecar = sidecar()) {
            target = new InetSocketAddress("127.0.0.1", server.port());
            Process curl = new ProcessBuilder("curl", "-sk", "--http2", "--max-time", "10",
                    "https://127.0.0.1:" + sidecar.outboundPort() + "/own-tls").redirectErrorStream(true).start();
            assertThat(new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("over HTTP/2.0");
            awaitLine(output, "\"- - tls\"");
        } finally {
            server.disposeNow();
        }
    }

    @Test
    void aServerFirstProtocolWorksAfterTheDetectionTimeout() throws Exception {
        try (Sidecar sidecar = sidecar()) {
            target = new InetSocketAddress("198.18.0.10", banner.port());
            try (Socket socket = connect(sidecar.inboundPort())) {
                byte[] greeting = socket.getInputStream().readNBytes(TestTcpServer.BANNER.length());
                assertThat(new String(greeting, StandardCharsets.US_ASCII)).isEqualTo(TestTcpServer.BANNER);
                socket.getOutputStream().write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(new String(socket.getInputStream().readNBytes(6), StandardCharsets.US_ASCII)).isEqualTo("QUIT\r\n");
            }
        }
    }

    @Test
    void aHalfCloseIsPassedOnAndTheAnswerStillComesBack() throws Exception {
        try (Sidecar sidecar = sidecar()) {
            target = new InetSocketAddress("198.18.0.20", 5432);   // the tcp-route "db" takes it to the counter
            byte[] payload = new byte[300_000];
            new Random(7).nextBytes(payload);
            payload[0] = 0;   // binary from the first byte
            try (Socket socket = connect(sidecar.outboundPort())) {
                socket.getOutputStream().write(payload);
                socket.shutdownOutput();
                String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                assertThat(answer).isEqualTo("got 300000 bytes\n");
            }
            Map<String, String> labels = Map.of("reporter", "source", "destination_cluster", "db");
            PrometheusPage page = PrometheusPage.scrapeUntil(sidecar.adminPort(),
                    p -> p.sum("istio_tcp_connections_closed_total", labels) == 1);
            assertThat(page.sum("istio_tcp_received_bytes_total", labels)).isEqualTo(300_000);
            assertThat(page.sum("istio_tcp_sent_bytes_total", labels)).isEqualTo(17);
        }
    }

    @Test
    void largeTransfersBothWaysArriveIntactThroughBackpressure() throws Exception {
        try (Sidecar sidecar = sidecar()) {
            target = new InetSocketAddress("198.18.0.10", echo.port());
            byte[] payload = new byte[32 * 1024 * 1024];
            new Random(11).nextBytes(payload);
            payload[0] = 0;
            try (Socket socket = connect(sidecar.inboundPort())) {
                OutputStream out = socket.getOutputStream();
                CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> {
                    try {
                        for (int i = 0; i < payload.length; i += 64 * 1024) {
                            out.write(payload, i, Math.min(64 * 1024, payload.length - i));
                        }
                        socket.shutdownOutput();
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                });
                byte[] back = socket.getInputStream().readAllBytes();
                writing.join();
                assertThat(back.length).isEqualTo(payload.length);
                assertThat(Arrays.equals(back, payload)).isTrue();
            }
        }
    }

    @Test
    void aTcpRouteMatchesOnAddressAsWellAsPort() throws Exception {
        try (Sidecar sidecar = sidecar("", "mode: registry-only")) {
            target = new InetSocketAddress("198.18.0.7", 6379);   // inside 198.18.0.0/24: the "cache" route
            try (Socket socket = connect(sidecar.outboundPort())) {
                socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(new String(socket.getInputStream().readNBytes(6), StandardCharsets.US_ASCII)).isEqualTo("PING\r\n");
            }
            target = new InetSocketAddress("198.18.1.7", 6379);   // outside it: no route, and registry-only refuses
            try (Socket socket = connect(sidecar.outboundPort())) {
                socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(socket.getInputStream().read()).isEqualTo(-1);
            }
            PrometheusPage page = PrometheusPage.scrapeUntil(sidecar.adminPort(),
                    p -> p.sum("istio_tcp_connections_closed_total", Map.of("response_flags", "NR")) == 1);
            assertThat(page.sum("istio_tcp_connections_closed_total", Map.of("response_flags", "NR"))).isEqualTo(1);
        }
    }

    @Test
    void anUnreachableUpstreamClosesTheConnectionAndIsFlagged(CapturedOutput output) throws Exception {
        int closedPort;
        try (TestTcpServer gone = TestTcpServer.start(TestTcpServer.Mode.ECHO)) {
            closedPort = gone.port();
        }
        try (Sidecar sidecar = sidecar()) {
            target = new InetSocketAddress("127.0.0.1", closedPort);   // allow-any: straight to the original destination
            try (Socket socket = connect(sidecar.outboundPort())) {
                socket.getOutputStream().write(new byte[] {0, 42});
                assertThat(socket.getInputStream().read()).isEqualTo(-1);
            }
            awaitLine(output, "\"- - tcp\" 0 UF 2 0 ");
            assertThat(line(output, "\"- - tcp\" 0 UF")).contains("\"PassthroughCluster\"").contains(" outbound ");
        }
    }

    @Test
    void declaredProtocolsOverrideDetection() throws Exception {
        try (Sidecar sidecar = sidecar("ports: { \"%d\": { protocol: tcp } }".formatted(echo.port()), "");
                TestUpstream app = TestUpstream.start("app")) {
            // Declared tcp: an HTTP request is not parsed, just relayed (the echo server sends it back).
            target = new InetSocketAddress("198.18.0.10", echo.port());
            String request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
            try (Socket socket = connect(sidecar.inboundPort())) {
                socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
                assertThat(new String(socket.getInputStream().readNBytes(request.length()), StandardCharsets.US_ASCII))
                        .isEqualTo(request);
            }
            // Another port, auto: HTTP is detected and served as HTTP.
            target = new InetSocketAddress("198.18.0.10", app.port());
            try (ProxyClient client = new ProxyClient(sidecar.inboundPort())) {
                assertThat(client.get("my-pod", "/").body()).isEqualTo("app");
            }
        }
    }

    @Test
    void theApplicationsOwnTlsIsRelayedAsTcpAndNamedInTheLog(CapturedOutput output) throws Exception {
        try (Sidecar sidecar = sidecar()) {
            target = new InetSocketAddress("198.18.0.10", echo.port());
            byte[] hello = TlsClientHellos.clientHello("db.payments.example");
            try (Socket socket = connect(sidecar.inboundPort())) {
                socket.getOutputStream().write(hello);
                assertThat(socket.getInputStream().readNBytes(hello.length)).isEqualTo(hello);
            }
            awaitLine(output, "\"db.payments.example\"");
            assertThat(line(output, "\"db.payments.example\"")).contains("\"- - tls\" 0 - " + hello.length + " " + hello.length);

        }
    }

    @Test
    void anIdleConnectionIsClosedAfterTheTcpIdleTimeout() throws Exception {
        try (Sidecar sidecar = sidecar("limits: { tcp-idle-timeout: 300ms }", "")) {
            target = new InetSocketAddress("198.18.0.10", echo.port());
            try (Socket socket = connect(sidecar.inboundPort())) {
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write(new byte[] {0, 1});
                assertThat(socket.getInputStream().readNBytes(2)).containsExactly(0, 1);
                assertThat(socket.getInputStream().read()).isEqualTo(-1);   // closed by the proxy, not by us
            }
        }
    }

    static Socket connect(int port) throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(20_000);
        return socket;
    }

    static void awaitLine(CapturedOutput output, String part) {
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                .untilAsserted(() -> assertThat(output.getOut()).contains(part));
    }

    static String line(CapturedOutput output, String part) {
        return output.getOut().lines().filter(l -> l.contains(part)).findFirst().orElseThrow();
    }

    static String read(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        in.transferTo(all);
        return all.toString(StandardCharsets.US_ASCII);
    }
}
