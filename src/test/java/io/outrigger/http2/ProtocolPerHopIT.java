package io.outrigger.http2;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.outrigger.testing.PrometheusPage;
import io.outrigger.testing.ProxyClient;
import io.outrigger.testing.Sidecar;
import io.outrigger.testing.TestPki;
import io.outrigger.testing.TestUpstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.util.FileSystemUtils;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The HTTP version of each hop, as a cluster's {@code protocol} and {@code h2-upgrade} say:
 * HTTP/1.1 clients carried as HTTP/2 between two sidecars over mTLS and given to an HTTP/1.1
 * application as HTTP/1.1 again; {@code protocol: http2} and {@code http1} forcing the upstream
 * hop whatever the client spoke.
 */
class ProtocolPerHopIT {

    static final String CALLEE = "spiffe://cluster.local/ns/shop/sa/callee";

    static Path dir;
    static TestUpstream app;
    static TestUpstream h2c;
    static Sidecar callee;
    static Sidecar caller;

    @BeforeAll
    static void start() throws IOException {
        dir = Files.createTempDirectory("outrigger-protocol-per-hop");
        app = TestUpstream.start("app");   // HTTP/1.1 only
        h2c = TestUpstream.startH2c("h2c");
        TestPki.Ca mesh = TestPki.ca("mesh");
        callee = Sidecar.start("""
                outrigger:
                %s
                  inbound:
                    app-port: %d
                    tls-mode: STRICT
                """.formatted(mesh.issue(CALLEE).writeTo(dir.resolve("callee")), app.port()));
        caller = Sidecar.start("""
                outrigger:
                %s
                  routes:
                    - { name: forced-h2, hosts: [ "forced-h2" ], route: [ { cluster: forced-h2 } ] }
                    - { name: forced-h1, hosts: [ "forced-h1" ], route: [ { cluster: forced-h1 } ] }
                    - { name: upgraded, hosts: [ "*" ], match: [ { headers: { x-target: { exact: upgraded } } } ],
                        route: [ { cluster: upgraded } ] }
                  clusters:
                    upgraded: { endpoints: [ "127.0.0.1:%d" ], tls: mutual, peer-principals: [ "%s" ], h2-upgrade: true }
                    forced-h2: { endpoints: [ "%s" ], protocol: http2 }
                    forced-h1: { endpoints: [ "%s" ], protocol: http1 }
                """.formatted(mesh.issue("spiffe://cluster.local/ns/shop/sa/caller").writeTo(dir.resolve("caller")),
                callee.inboundPort(), CALLEE, h2c.endpoint(), h2c.endpoint()));
    }

    @AfterAll
    static void stop() throws Exception {
        caller.close();
        callee.close();
        app.close();
        h2c.close();
        FileSystemUtils.deleteRecursively(dir.toFile());
    }

    @Test
    void http1IsCarriedAsHttp2BetweenSidecarsAndReachesTheApplicationAsHttp1() throws Exception {
        app.handler((request, response) -> Mono.delay(Duration.ofMillis(1500))
                .then(response.sendString(Mono.just("app over " + request.protocol())).then()));
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        int before = app.requests();
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 20; i++) {   // 20 HTTP/1.1 connections to the caller, at once
            calls.add(client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + caller.outboundPort() + "/x"))
                    .header("x-target", "upgraded").build(), HttpResponse.BodyHandlers.ofString()));
        }
        // While they wait on the application, the callee has them on the caller's few HTTP/2
        // connections (one per event loop at most), not on twenty.
        await().atMost(Duration.ofSeconds(5)).until(() -> app.requests() - before == 20);
        Map<String, String> inbound = Map.of("listener", "inbound");
        double open = PrometheusPage.scrapeUntil(callee.adminPort(),
                p -> p.sum("outrigger_listener_active_connections", inbound) >= 1)
                .sum("outrigger_listener_active_connections", inbound);
        for (CompletableFuture<HttpResponse<String>> call : calls) {
            HttpResponse<String> response = call.get(10, TimeUnit.SECONDS);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("app over HTTP/1.1");
        }
        assertThat(open).isBetween(1.0, 2.0);
        assertThat(app.last().headers().contains("x-outrigger-http1")).isFalse();
        Map<String, String> received = Map.of("reporter", "destination", "request_protocol", "http2", "response_code", "200");
        assertThat(PrometheusPage.scrapeUntil(callee.adminPort(), p -> p.sum("istio_requests_total", received) >= 20)
                .sum("istio_requests_total", received)).isEqualTo(20);
    }

    @Test
    void protocolHttp2CarriesAnHttp1ClientAsHttp2AndHttp1TheOtherWayRound() throws Exception {
        try (ProxyClient client = new ProxyClient(caller.outboundPort())) {
            assertThat(client.get("forced-h2", "/one").status()).isEqualTo(200);
        }
        assertThat(h2c.last().protocol()).isEqualTo("HTTP/2.0");
        assertThat(h2c.last().headers().contains("x-outrigger-http1")).as("told only to sidecars").isFalse();
        String out = Http2IT.run("curl", "-s", "--http2-prior-knowledge", "-H", "Host: forced-h1",
                "http://127.0.0.1:" + caller.outboundPort() + "/two");
        assertThat(out).isEqualTo("h2c");
        assertThat(h2c.last().protocol()).isEqualTo("HTTP/1.1");
    }
}
