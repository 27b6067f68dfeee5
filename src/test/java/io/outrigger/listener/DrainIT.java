package io.outrigger.listener;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.outrigger.testing.Admin;
import io.outrigger.testing.ProxyClient;
import io.outrigger.testing.SidecarProcess;
import io.outrigger.testing.TestUpstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * SIGTERM and POST /actuator/drain: readiness goes down, inbound stops taking connections, a slow
 * request in flight still completes, outbound keeps serving, and the process exits 0.
 */
class DrainIT {

    static TestUpstream app;

    @BeforeAll
    static void start() {
        app = TestUpstream.start("app").handler((request, response) -> Mono
                .delay(Duration.ofMillis(request.uri().contains("slow") ? 3000 : 0))
                .then(response.sendString(Mono.just("done")).then()));
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    static String config() {
        return """
                outrigger:
                  inbound: { app-port: %d }
                  drain: { timeout: 5s }
                  access-log: { enabled: false }
                  routes:
                    - { name: app, hosts: [ app ], route: [ { cluster: app } ] }
                  clusters:
                    app: { endpoints: [ "%s" ] }
                """.formatted(app.port(), app.endpoint());
    }

    @Test
    void sigtermDrainsInboundFinishesInFlightRequestsAndExitsZero() throws Exception {
        try (SidecarProcess sidecar = SidecarProcess.start(config())) {
            drains(sidecar, () -> sidecar.process().destroy());
        }
    }

    @Test
    void postDrainDoesTheSame() throws Exception {
        try (SidecarProcess sidecar = SidecarProcess.start(config())) {
            drains(sidecar, () -> assertThat(Admin.post(sidecar.adminPort, "/actuator/drain", null).statusCode()).isEqualTo(200));
        }
    }

    private static void drains(SidecarProcess sidecar, Runnable trigger) throws Exception {
        int seen = app.requests();
        CompletableFuture<ProxyClient.Response> inFlight = CompletableFuture.supplyAsync(() -> {
            try (ProxyClient client = new ProxyClient(sidecar.inboundPort)) {
                return client.get("app", "/slow");
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> app.requests() > seen);   // the slow request is in flight
        trigger.run();

        // The slow request keeps the process alive for a while: the management port still answers.
        // A signal reaches the JVM's handler thread a moment after kill(2) returns, so readiness
        // is awaited (briefly), while the request in flight shows that the drain is still going on.
        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20)).untilAsserted(() ->
                assertThat(readiness(sidecar.adminPort)).as("readiness during the drain").isEqualTo(503));
        assertThat(inFlight).as("the slow request is still in flight").isNotDone();
        awaitRefused(sidecar.inboundPort);
        try (ProxyClient outbound = new ProxyClient(sidecar.outboundPort)) {
            assertThat(outbound.get("app", "/fast").status()).as("outbound keeps serving during the drain").isEqualTo(200);
        }
        ProxyClient.Response slow = inFlight.get(10, TimeUnit.SECONDS);
        assertThat(slow.status()).isEqualTo(200);
        assertThat(slow.body()).isEqualTo("done");
        assertThat(slow.header("connection")).isEqualToIgnoringCase("close");
        assertThat(sidecar.process().waitFor(15, TimeUnit.SECONDS)).as(sidecar.log()).isTrue();
        assertThat(sidecar.process().exitValue()).as(sidecar.log()).isZero();
    }

    /** A new inbound connection is refused at once once draining has begun. */
    private static void awaitRefused(int port) {
        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20))
                .alias("the inbound listener still accepts connections")
                .until(() -> catchThrowable(() -> {
                    try (Socket socket = new Socket()) {
                        socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                    }
                }) instanceof ConnectException);
    }

    private static int readiness(int adminPort) {
        try {
            return Admin.get(adminPort, "/actuator/health/readiness").statusCode();
        } catch (IllegalStateException gone) {
            return -1;
        }
    }

}
