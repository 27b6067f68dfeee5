package io.outrigger.http2;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.outrigger.testing.PrometheusPage;
import io.outrigger.testing.Sidecar;
import io.outrigger.testing.TestUpstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * HTTP/2 that is not gRPC, from real HTTP/2 clients: curl with prior knowledge and h2load's many
 * streams per connection, through both listeners. Upstream, HTTP/2 stays HTTP/2, except to a port
 * declared {@code http}, which gets HTTP/1.1.
 */
class Http2IT {

    static TestUpstream web;
    static TestUpstream app;
    static TestUpstream narrow;
    static Sidecar sidecar;

    @BeforeAll
    static void start() {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/curl")),
                "skipped: needs curl with HTTP/2 (.ci/run installs it)");
        web = TestUpstream.startH2c("web");
        web.handler((request, response) -> request.uri().startsWith("/big")
                ? response.header("content-type", "application/octet-stream")
                        .send(Flux.range(0, 64).map(i -> response.alloc().buffer(16384).writeZero(16384)))
                : request.method().name().equals("POST")
                ? response.header("x-upstream", "web").send(request.receive().retain())
                : response.header("x-upstream", "web").sendString(Mono.just("web over " + request.protocol())));
        app = TestUpstream.start("app");   // HTTP/1.1 only
        narrow = TestUpstream.startH2c("narrow", 4).handler((request, response) ->
                Mono.delay(java.time.Duration.ofMillis(5)).then(response.sendString(Mono.just("narrow")).then()));
        sidecar = Sidecar.start("""
                outrigger:
                  inbound:
                    app-port: %d
                    ports: { "%d": { protocol: http } }
                  routes:
                    - name: web
                      hosts: [ "web" ]
                      route: [ { cluster: web } ]
                      headers: { response: { set: { x-route: web } } }
                    - name: narrow
                      hosts: [ "narrow" ]
                      route: [ { cluster: narrow } ]
                  clusters:
                    web: { endpoints: [ "%s" ] }
                    narrow: { endpoints: [ "%s" ] }
                """.formatted(app.port(), app.port(), web.endpoint(), narrow.endpoint()));
    }

    @AfterAll
    static void stop() {
        if (sidecar != null) {
            sidecar.close();
            web.close();
            app.close();
            narrow.close();
        }
    }

    @Test
    void curlWithPriorKnowledgeIsRoutedAndAnsweredOverHttp2BothHops() throws Exception {
        String out = run("curl", "-s", "-i", "--http2-prior-knowledge", "-H", "Host: web",
                "http://127.0.0.1:" + sidecar.outboundPort() + "/hello");
        assertThat(out).startsWith("HTTP/2 200").contains("x-route: web", "x-upstream: web").endsWith("web over HTTP/2.0");

        String echoed = run("curl", "-s", "--http2-prior-knowledge", "-H", "Host: web", "--data-binary", "@-",
                "http://127.0.0.1:" + sidecar.outboundPort() + "/echo");
        assertThat(echoed).isEqualTo(STDIN);
        assertThat(web.last().protocol()).isEqualTo("HTTP/2.0");

        // A client that waits for 100 Continue gets it when the body is asked for (it would
        // otherwise wait out --expect100-timeout, past --max-time, and fail).
        String continued = run("curl", "-s", "--http2-prior-knowledge", "-H", "Host: web", "-H", "Expect: 100-continue",
                "--expect100-timeout", "25", "--max-time", "20", "--data-binary", "@-",
                "http://127.0.0.1:" + sidecar.outboundPort() + "/echo");
        assertThat(continued).isEqualTo(STDIN);

        // 1 MiB down, more than the stream and connection windows: flow control lets it all through.
        String size = run("curl", "-s", "-o", "/dev/null", "-w", "%{size_download} %{http_version}",
                "--http2-prior-knowledge", "-H", "Host: web", "http://127.0.0.1:" + sidecar.outboundPort() + "/big");
        assertThat(size).isEqualTo((64 * 16384) + " 2");

        Map<String, String> http2 = Map.of("destination_cluster", "web", "request_protocol", "http2", "response_code", "200");
        assertThat(PrometheusPage.scrapeUntil(sidecar.adminPort(), p -> p.sum("istio_requests_total", http2) >= 3)
                .sum("istio_requests_total", http2)).isGreaterThanOrEqualTo(3);
    }

    @Test
    void aPortDeclaredHttpGetsHttp11Upstream() throws Exception {
        String out = run("curl", "-s", "-i", "--http2-prior-knowledge", "-H", "Host: app.local",
                "http://127.0.0.1:" + sidecar.inboundPort() + "/in");
        assertThat(out).startsWith("HTTP/2 200").endsWith("app");
        assertThat(app.last().protocol()).isEqualTo("HTTP/1.1");
    }

    @Test
    void h2loadsManyStreamsPerConnectionAllSucceedOnBothListeners() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/h2load")),
                "skipped: needs h2load (nghttp2-client; .ci/run installs it)");
        for (String target : List.of("http://127.0.0.1:" + sidecar.outboundPort() + "/load",
                "http://127.0.0.1:" + sidecar.inboundPort() + "/load")) {
            boolean outbound = target.contains(":" + sidecar.outboundPort() + "/");
            String out = run("h2load", "-n", "2000", "-c", "4", "-m", "20", "-H",
                    ":authority: " + (outbound ? "web" : "app.local"), target);
            assertThat(out).as(target).contains("2000 succeeded, 0 failed, 0 errored", "status codes: 2000 2xx");
        }
    }

    @Test
    void anUpstreamsStreamLimitIsHonouredWithMoreConnectionsNotErrors() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/h2load")),
                "skipped: needs h2load (nghttp2-client; .ci/run installs it)");
        // 100 streams at once towards an upstream that allows 4 per connection.
        String out = run("h2load", "-n", "1000", "-c", "2", "-m", "50", "-H", ":authority: narrow",
                "http://127.0.0.1:" + sidecar.outboundPort() + "/n");
        assertThat(out).contains("1000 succeeded, 0 failed, 0 errored", "status codes: 1000 2xx");
        assertThat(narrow.requests()).isEqualTo(1000);
    }

    static final String STDIN = "a body sent as DATA frames\n".repeat(500);

    /** Runs a client; its standard input is {@link #STDIN}; returns its standard output. */
    static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(new ArrayList<>(List.of(command))).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        process.getOutputStream().write(STDIN.getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().close();
        byte[] out = process.getInputStream().readAllBytes();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new String(out, StandardCharsets.UTF_8).replace("\r\n", "\n");
    }
}
