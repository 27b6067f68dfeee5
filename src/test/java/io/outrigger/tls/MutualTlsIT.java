package io.outrigger.tls;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.outrigger.interception.OriginalDestination;
import io.outrigger.testing.Admin;
import io.outrigger.testing.PrometheusPage;
import io.outrigger.testing.ProxyClient;
import io.outrigger.testing.Sidecar;
import io.outrigger.testing.TestPki;
import io.outrigger.testing.TestTcpServer;
import io.outrigger.testing.TestUpstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.FileSystemUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two sidecars on loopback with identities from a test CA: "frontend" (A) calls "backend" (B)
 * through A's outbound listener; A originates mTLS, B (STRICT, allowing only A) terminates it.
 * Then each way it can go wrong: plaintext, a forged header, a principal not allowed, another
 * CA, another trust domain, an expired certificate, a peer that is not who the cluster expects;
 * and certificates rotated on both sides under load.
 */
class MutualTlsIT {

    static final String FRONTEND = "spiffe://cluster.local/ns/shop/sa/frontend";
    static final String BACKEND = "spiffe://cluster.local/ns/shop/sa/backend";

    /** Original destinations by the local port a connection arrived on (for the TCP test). */
    static final Map<Integer, InetSocketAddress> redirects = new ConcurrentHashMap<>();

    @Configuration(proxyBeanMethods = false)
    static class Redirected {
        @Bean
        OriginalDestination originalDestination() {
            return channel -> redirects.get(((InetSocketAddress) channel.localAddress()).getPort());
        }
    }

    static Path dir;
    static TestPki.Ca mesh;
    static TestUpstream app;
    static TestTcpServer echo;
    static TestTcpServer counter;
    static Sidecar backend;
    static Sidecar frontend;

    @BeforeAll
    static void start() throws IOException {
        dir = Files.createTempDirectory("outrigger-mtls");
        mesh = TestPki.ca("mesh");
        app = TestUpstream.start("backend-app");
        echo = TestTcpServer.start(TestTcpServer.Mode.ECHO);
        counter = TestTcpServer.start(TestTcpServer.Mode.COUNT_UNTIL_FIN);
        backend = Sidecar.start("""
                outrigger:
                %s
                  inbound:
                    app-port: %d
                    tls-mode: STRICT
                    authorization: { allow-principals: [ "%s" ] }
                """.formatted(mesh.issue(BACKEND).writeTo(dir.resolve("b")), app.port(), FRONTEND),
                "--spring.main.sources=" + Redirected.class.getName(), "--spring.main.allow-bean-definition-overriding=true");
        frontend = caller(mesh.issue(FRONTEND), "a", List.of(BACKEND));
    }

    /** A sidecar whose "backend" route goes to B over mTLS, expecting {@code peers}. */
    static Sidecar caller(TestPki.Svid identity, String name, List<String> peers) {
        return Sidecar.start("""
                outrigger:
                %s
                  routes:
                    - { name: backend, hosts: [ backend ], route: [ { cluster: backend } ] }
                  tcp-routes:
                    - { name: backend-tcp, port: 7000, cluster: backend }
                  clusters:
                    backend:
                      endpoints: [ "127.0.0.1:%d" ]
                      tls: mutual
                      peer-principals: [ %s ]
                """.formatted(identity.writeTo(dir.resolve(name)), backend.inboundPort(),
                        String.join(", ", peers.stream().map(p -> '"' + p + '"').toList())),
                "--spring.main.sources=" + Redirected.class.getName(), "--spring.main.allow-bean-definition-overriding=true");
    }

    @AfterAll
    static void stop() {
        frontend.close();
        backend.close();
        app.close();
        echo.close();
        counter.close();
        FileSystemUtils.deleteRecursively(dir.toFile());
    }

    @Test
    void theBackendSeesTheCallersSpiffeIdAndBothSidesCountMutualTls() {
        try (ProxyClient client = new ProxyClient(frontend.outboundPort())) {
            DefaultHttpHeaders forged = new DefaultHttpHeaders();
            forged.set("x-forwarded-client-cert", "By=spiffe://evil/x;URI=spiffe://cluster.local/ns/kube-system/sa/admin");
            ProxyClient.Response response = client.send(HttpMethod.GET, "backend", "/orders", null, forged);
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("backend-app");
        }
        if ("amd64".equals(System.getProperty("os.arch")) && "Linux".equals(System.getProperty("os.name"))) {
            assertThat(Admin.get(backend.adminPort(), "/actuator/certs").body()).as("BoringSSL loads here")
                    .contains("\"tlsProvider\":\"BoringSSL\"");
        }
        String xfcc = app.last().headers().get("x-forwarded-client-cert");
        assertThat(xfcc).startsWith("By=" + BACKEND + ";Hash=").endsWith(";URI=" + FRONTEND).doesNotContain("evil", "admin");

        Map<String, String> inbound = Map.of("reporter", "destination", "source_principal", FRONTEND,
                "destination_principal", BACKEND, "connection_security_policy", "mutual_tls");
        assertThat(PrometheusPage.scrapeUntil(backend.adminPort(), p -> p.sum("istio_requests_total", inbound) >= 1)
                .sum("istio_requests_total", inbound)).isGreaterThanOrEqualTo(1);
        Map<String, String> outbound = Map.of("reporter", "source", "source_principal", FRONTEND,
                "destination_principal", BACKEND, "connection_security_policy", "mutual_tls");
        assertThat(PrometheusPage.scrapeUntil(frontend.adminPort(), p -> p.sum("istio_requests_total", outbound) >= 1)
                .sum("istio_requests_total", outbound)).isGreaterThanOrEqualTo(1);
    }

    @Test
    void plaintextToStrictIsRefused() throws IOException {
        try (Socket socket = new Socket("127.0.0.1", backend.inboundPort())) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: backend\r\n\r\n".getBytes());
            assertThat(socket.getInputStream().read()).isEqualTo(-1);
        }
        Map<String, String> refused = Map.of("listener", "inbound", "reason", "plaintext_in_strict_mode");
        assertThat(PrometheusPage.scrapeUntil(backend.adminPort(), p -> p.sum("outrigger_listener_refused_connections_total", refused) >= 1)
                .sum("outrigger_listener_refused_connections_total", refused)).isGreaterThanOrEqualTo(1);
    }

    @Test
    void aPrincipalNotAllowedGets403() {
        try (Sidecar intruder = caller(mesh.issue("spiffe://cluster.local/ns/shop/sa/intruder"), "intruder", List.of(BACKEND));
                ProxyClient client = new ProxyClient(intruder.outboundPort())) {
            ProxyClient.Response response = client.get("backend", "/orders");
            assertThat(response.status()).isEqualTo(403);
            assertThat(response.body()).startsWith("RBAC: access denied");
        }
        Map<String, String> denied = Map.of("reporter", "destination", "response_code", "403", "response_flags", "RBAC",
                "source_principal", "spiffe://cluster.local/ns/shop/sa/intruder");
        assertThat(PrometheusPage.scrapeUntil(backend.adminPort(), p -> p.sum("istio_requests_total", denied) >= 1)
                .sum("istio_requests_total", denied)).isGreaterThanOrEqualTo(1);
    }

    @Test
    void aCertificateFromAnotherCaOrTrustDomainFailsTheHandshake() {
        double before = handshakeFailures(backend);
        int appRequests = app.requests();
        TestPki.Ca other = TestPki.ca("elsewhere");
        for (TestPki.Svid stranger : List.of(other.issue(FRONTEND), mesh.issue("spiffe://evil.local/ns/shop/sa/frontend"))) {
            try (Sidecar caller = caller(stranger, "stranger-" + stranger.serialHex(), List.of(BACKEND));
                    ProxyClient client = new ProxyClient(caller.outboundPort())) {
                ProxyClient.Response response = client.get("backend", "/orders");
                assertThat(response.status()).isIn(502, 503);
            }
        }
        assertThat(PrometheusPage.scrapeUntil(backend.adminPort(), p -> handshakeFailures(p) >= before + 1)
                .sum("outrigger_tls_handshake_failures_total", Map.of("direction", "inbound"))).isGreaterThanOrEqualTo(before + 1);
        assertThat(app.requests()).as("nothing got through to the application").isEqualTo(appRequests);
    }

    @Test
    void aPeerThatIsNotWhoTheClusterExpectsIsRefusedByTheCaller() {
        try (Sidecar caller = caller(mesh.issue(FRONTEND), "a-strict", List.of("spiffe://cluster.local/ns/shop/sa/payments"));
                ProxyClient client = new ProxyClient(caller.outboundPort())) {
            assertThat(client.get("backend", "/orders").status()).isIn(502, 503);
            assertThat(PrometheusPage.scrapeUntil(caller.adminPort(), p -> p.sum("outrigger_tls_handshake_failures_total",
                    Map.of("direction", "outbound")) >= 1).sum("outrigger_tls_handshake_failures_total", Map.of("direction", "outbound")))
                    .isGreaterThanOrEqualTo(1);
        }
    }

    @Test
    void anExpiredCertificateKeepsTheSidecarNotReady() {
        Instant now = Instant.now();
        TestPki.Svid expired = mesh.issue(FRONTEND, now.minus(Duration.ofDays(2)), now.minus(Duration.ofDays(1)), "RSA");
        try (Sidecar stale = Sidecar.start("outrigger:\n" + expired.writeTo(dir.resolve("expired")))) {
            assertThat(Admin.get(stale.adminPort(), "/actuator/health/readiness").statusCode()).isEqualTo(503);
            String health = Admin.get(stale.adminPort(), "/actuator/health/readiness").body();
            assertThat(health).contains("expired");
            assertThat(Admin.get(stale.adminPort(), "/actuator/certs").body()).contains("not loaded").contains("expired");
        }
    }

    @Test
    void tcpTravelsInsideTheTunnel() throws IOException {
        redirects.put(frontend.outboundPort(), new InetSocketAddress("198.18.0.40", 7000));   // tcp-route backend-tcp
        redirects.put(backend.inboundPort(), new InetSocketAddress("198.18.0.41", echo.port())); // B: to the echo port
        try (Socket socket = new Socket("127.0.0.1", frontend.outboundPort())) {
            socket.setSoTimeout(10_000);
            byte[] message = {0, 1, 2, 'm', 't', 'l', 's'};
            socket.getOutputStream().write(message);
            assertThat(socket.getInputStream().readNBytes(message.length)).isEqualTo(message);
        } finally {
            redirects.clear();
        }
        Map<String, String> tcp = Map.of("reporter", "destination", "source_principal", FRONTEND,
                "connection_security_policy", "mutual_tls");
        assertThat(PrometheusPage.scrapeUntil(backend.adminPort(), p -> p.sum("istio_tcp_received_bytes_total", tcp) >= 7)
                .sum("istio_tcp_received_bytes_total", tcp)).isGreaterThanOrEqualTo(7);
    }

    @Test
    void certificatesRotatedOnBothSidesUnderLoadFailNoRequest() throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger served = new AtomicInteger();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            clients.add(Thread.ofPlatform().start(() -> {
                while (running.get()) {
                    // A new connection each time too, so new handshakes meet the rotated certificates.
                    try (ProxyClient client = new ProxyClient(frontend.outboundPort())) {
                        for (int r = 0; r < 20 && running.get(); r++) {
                            ProxyClient.Response response = client.get("backend", "/rotate");
                            if (response.status() == 200) {
                                served.incrementAndGet();
                            } else {
                                failures.add(response.status() + " " + response.body());
                            }
                        }
                    } catch (RuntimeException e) {
                        failures.add(e.toString());
                    }
                }
            }));
        }
        for (int round = 0; round < 2; round++) {
            TestPki.Svid nextBackend = mesh.issue(BACKEND);
            TestPki.Svid nextFrontend = mesh.issue(FRONTEND);
            nextBackend.writeTo(dir.resolve("b"));
            nextFrontend.writeTo(dir.resolve("a"));
            awaitSerial(backend, nextBackend.serialHex());
            awaitSerial(frontend, nextFrontend.serialHex());
            // Each of the three clients opens a new connection every 20 requests: once more than
            // 60 are done, one of them has made a new connection with the rotated certificates.
            int done = served.get() + failures.size();
            await().atMost(Duration.ofSeconds(10)).until(() -> served.get() + failures.size() > done + 60);
        }
        running.set(false);
        for (Thread client : clients) {
            client.join();
        }
        System.out.printf("certificate rotation under load: %d requests served, %d failed%n", served.get(), failures.size());
        assertThat(failures).isEmpty();
        assertThat(served.get()).isGreaterThan(50);
    }

    static void awaitSerial(Sidecar sidecar, String serial) {
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).untilAsserted(() ->
                assertThat(Admin.get(sidecar.adminPort(), "/actuator/certs").body()).contains("\"serial\":\"" + serial + "\""));
    }

    static double handshakeFailures(Sidecar sidecar) {
        return handshakeFailures(new PrometheusPage(Admin.get(sidecar.adminPort(), "/actuator/prometheus").body()));
    }

    static double handshakeFailures(PrometheusPage page) {
        return page.sum("outrigger_tls_handshake_failures_total", Map.of("direction", "inbound"));
    }

    @Test
    void aHalfCloseTravelsThroughTheTunnelAndTheAnswerComesBack() throws IOException {
        redirects.put(frontend.outboundPort(), new InetSocketAddress("198.18.0.40", 7000));
        redirects.put(backend.inboundPort(), new InetSocketAddress("198.18.0.41", counter.port()));
        try (Socket socket = new Socket("127.0.0.1", frontend.outboundPort())) {
            socket.setSoTimeout(10_000);
            byte[] payload = new byte[100_000];
            new java.util.Random(3).nextBytes(payload);
            payload[0] = 0;
            socket.getOutputStream().write(payload);
            socket.shutdownOutput();
            assertThat(new String(socket.getInputStream().readAllBytes())).isEqualTo("got 100000 bytes\n");
        } finally {
            redirects.clear();
        }
    }

    @Test
    void plaintextIsServedByAPermissiveSidecarAndASidecarClientHelloWithoutIdentityIsJustRelayed() throws IOException {
        try (Sidecar permissive = Sidecar.start("outrigger:\n" + mesh.issue(BACKEND).writeTo(dir.resolve("p")) + """
                  inbound: { app-port: %d, tls-mode: PERMISSIVE }
                """.formatted(app.port()));
                ProxyClient client = new ProxyClient(permissive.inboundPort())) {
            assertThat(client.get("backend", "/plain").body()).isEqualTo("backend-app");
        }
        // No identity at all: a ClientHello offering Outrigger's ALPN is nobody's mTLS here; it is
        // relayed like an application's own TLS (to the echo server), not dropped or crashed on.
        try (Sidecar plain = Sidecar.start("outrigger: { inbound: { app-port: %d } }".formatted(echo.port()));
                Socket socket = new Socket("127.0.0.1", plain.inboundPort())) {
            socket.setSoTimeout(10_000);
            byte[] hello = io.outrigger.protocol.TlsClientHellos.clientHello("backend", Alpn.HTTP);
            socket.getOutputStream().write(hello);
            assertThat(socket.getInputStream().readNBytes(hello.length)).isEqualTo(hello);
        }
    }
}
