package io.outrigger.http2;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.outrigger.testing.PrometheusPage;
import io.outrigger.testing.Sidecar;
import io.outrigger.testing.TestPki;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.util.FileSystemUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * gRPC between two sidecars over mTLS: the caller's sidecar carries the client's HTTP/2 inside
 * its mTLS, the callee's (STRICT, one principal allowed) terminates it and serves the streams
 * through its inbound stack to the application, a grpc-java server.
 */
class GrpcMtlsIT {

    static final String FRONTEND = "spiffe://cluster.local/ns/shop/sa/frontend";
    static final String BACKEND = "spiffe://cluster.local/ns/shop/sa/backend";

    static Path dir;
    static GrpcEcho app;
    static Sidecar backend;
    static Sidecar frontend;
    static TestPki.Svid frontendSvid;
    static Sidecar intruder;

    @BeforeAll
    static void start() throws IOException {
        dir = Files.createTempDirectory("outrigger-grpc-mtls");
        TestPki.Ca mesh = TestPki.ca("mesh");
        app = GrpcEcho.start("backend-app");
        backend = Sidecar.start("""
                outrigger:
                %s
                  inbound:
                    app-port: %d
                    tls-mode: STRICT
                    authorization: { allow-principals: [ "%s" ] }
                """.formatted(mesh.issue(BACKEND).writeTo(dir.resolve("b")), app.port(), FRONTEND));
        frontendSvid = mesh.issue(FRONTEND);
        frontend = caller(frontendSvid.writeTo(dir.resolve("a")));
        intruder = caller(mesh.issue("spiffe://cluster.local/ns/shop/sa/intruder").writeTo(dir.resolve("i")));
    }

    static Sidecar caller(String identity) {
        return Sidecar.start("""
                outrigger:
                %s
                  routes:
                    - { name: backend, hosts: [ backend ], route: [ { cluster: backend } ] }
                  clusters:
                    backend:
                      endpoints: [ "127.0.0.1:%d" ]
                      tls: mutual
                      peer-principals: [ "%s" ]
                """.formatted(identity, backend.inboundPort(), BACKEND));
    }

    @AfterAll
    static void stop() throws Exception {
        intruder.close();
        frontend.close();
        backend.close();
        app.close();
        FileSystemUtils.deleteRecursively(dir.toFile());
    }

    private static ManagedChannel channel(Sidecar sidecar) {
        return NettyChannelBuilder.forAddress("127.0.0.1", sidecar.outboundPort())
                .usePlaintext().overrideAuthority("backend").disableRetry().build();
    }

    @Test
    void callsAndStreamsGoThroughBothSidecarsOverMutualTls() throws Exception {
        ManagedChannel channel = channel(frontend);
        try {
            assertThat(ClientCalls.blockingUnaryCall(channel, GrpcEcho.UNARY, CallOptions.DEFAULT, "hi"))
                    .isEqualTo("backend-app:hi");
            Iterator<String> stream = ClientCalls.blockingServerStreamingCall(channel, GrpcEcho.SERVER_STREAM,
                    CallOptions.DEFAULT, "100");
            List<String> got = new ArrayList<>();
            stream.forEachRemaining(got::add);
            assertThat(got).hasSize(100).last().isEqualTo("backend-app:100");
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        Map<String, String> inbound = Map.of("reporter", "destination", "source_principal", FRONTEND,
                "connection_security_policy", "mutual_tls", "request_protocol", "grpc", "grpc_response_status", "0");
        assertThat(PrometheusPage.scrapeUntil(backend.adminPort(), p -> p.sum("istio_requests_total", inbound) >= 2)
                .sum("istio_requests_total", inbound)).isGreaterThanOrEqualTo(2);
        Map<String, String> outbound = Map.of("reporter", "source", "destination_principal", BACKEND,
                "connection_security_policy", "mutual_tls", "request_protocol", "grpc");
        assertThat(PrometheusPage.scrapeUntil(frontend.adminPort(), p -> p.sum("istio_requests_total", outbound) >= 2)
                .sum("istio_requests_total", outbound)).isGreaterThanOrEqualTo(2);
    }

    /**
     * A sidecar offers ALPN {@code h2} beside its own name for a connection that carries HTTP/2:
     * the callee picks {@code h2} and serves HTTP/2 at once, through its inbound stack.
     */
    @Test
    void alpnH2OnTheMeshsMutualTlsIsServedAsHttp2() throws Exception {
        SSLContext tls = SSLContext.getInstance("TLSv1.3");
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("me", frontendSvid.keys().getPrivate(), new char[0], new Certificate[] {frontendSvid.certificate()});
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keys, new char[0]);
        KeyStore roots = KeyStore.getInstance("PKCS12");
        roots.load(null, null);
        roots.setCertificateEntry("mesh", frontendSvid.ca().certificate());
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(roots);
        tls.init(keyManagers.getKeyManagers(), trust.getTrustManagers(), null);
        SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", backend.inboundPort());
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setApplicationProtocols(new String[] {"h2", "outrigger-http/1.1"});
        socket.setSSLParameters(parameters);
        socket.startHandshake();
        assertThat(socket.getApplicationProtocol()).isEqualTo("h2");
        Map<String, String> http2 = Map.of("reporter", "destination", "request_protocol", "http2");
        double before = PrometheusPage.scrapeUntil(backend.adminPort(), page -> true).sum("istio_requests_total", http2);
        try (RawHttp2 client = new RawHttp2(socket)) {
            assertThat(client.status(1, "backend", "/not-grpc")).isPositive();   // the gRPC server's answer to a GET
        }
        assertThat(PrometheusPage.scrapeUntil(backend.adminPort(), p -> p.sum("istio_requests_total", http2) > before)
                .sum("istio_requests_total", http2)).isEqualTo(before + 1);
    }

    @Test
    void aPrincipalNotAllowedGetsPermissionDenied() throws Exception {
        ManagedChannel channel = channel(intruder);
        try {
            assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, GrpcEcho.UNARY, CallOptions.DEFAULT, "hi"))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
