package io.outrigger.http2;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.outrigger.testing.PrometheusPage;
import io.outrigger.testing.Sidecar;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * grpc-java through the listeners, routed call by call: a real client and real servers on their
 * own Netty, Outrigger's HTTP/2 in between (h2c with prior knowledge, as a gRPC client speaks
 * to a plaintext target).
 */
class GrpcIT {

    static final List<GrpcEcho> servers = new ArrayList<>();
    static GrpcEcho app;
    static GrpcEcho leaving;
    static GrpcEcho staying;
    static io.outrigger.testing.TestUpstream http1Only;
    static Sidecar sidecar;

    @BeforeAll
    static void start() {
        for (String name : List.of("a", "b", "c")) {
            servers.add(GrpcEcho.start(name));
        }
        app = GrpcEcho.start("app");
        leaving = GrpcEcho.start("leaving");
        staying = GrpcEcho.start("staying");
        http1Only = io.outrigger.testing.TestUpstream.start("http1-only");
        sidecar = Sidecar.start("""
                outrigger:
                  inbound:
                    app-port: %d
                    ports: { "%d": { protocol: http2 } }
                  routes:
                    - name: echo
                      hosts: [ "echo" ]
                      route: [ { cluster: echo } ]
                      retries: { attempts: 2, retry-on: "unavailable" }
                    - name: slow
                      hosts: [ "slow" ]
                      route: [ { cluster: echo } ]
                      timeout: 300ms
                    - name: nowhere
                      hosts: [ "nowhere" ]
                      route: [ { cluster: nowhere } ]
                    - name: two
                      hosts: [ "two" ]
                      route: [ { cluster: two } ]
                    - name: http1-only
                      hosts: [ "http1-only" ]
                      route: [ { cluster: http1-only } ]
                  clusters:
                    echo: { endpoints: [ "%s", "%s", "%s" ], load-balancer: round-robin }
                    nowhere: { endpoints: [ "127.0.0.1:1" ] }
                    two: { endpoints: [ "%s", "%s" ], load-balancer: round-robin }
                    http1-only: { endpoints: [ "%s" ] }
                """.formatted(app.port(), app.port(), servers.get(0).endpoint(), servers.get(1).endpoint(),
                servers.get(2).endpoint(), leaving.endpoint(), staying.endpoint(), http1Only.endpoint()));
    }

    @AfterAll
    static void stop() throws Exception {
        sidecar.close();
        for (GrpcEcho server : servers) {
            server.close();
        }
        app.close();
        leaving.close();
        staying.close();
        http1Only.close();
    }

    @BeforeEach
    void reset() {
        servers.forEach(s -> {
            s.calls.set(0);
            s.unavailable.set(0);
        });
    }

    private static ManagedChannel channel(String authority) {
        return NettyChannelBuilder.forAddress("127.0.0.1", sidecar.outboundPort())
                .usePlaintext().overrideAuthority(authority).disableRetry().build();
    }

    private static String unary(ManagedChannel channel, String request) {
        return ClientCalls.blockingUnaryCall(channel, GrpcEcho.UNARY, CallOptions.DEFAULT, request);
    }

    @Test
    void oneClientConnectionsCallsAreSpreadOverEveryServer() throws Exception {
        ManagedChannel channel = channel("echo");
        try {
            Set<String> answeredBy = new HashSet<>();
            for (int i = 0; i < 30; i++) {
                String answer = unary(channel, "hello " + i);
                assertThat(answer).endsWith(":hello " + i);
                answeredBy.add(answer.substring(0, answer.indexOf(':')));
            }
            assertThat(answeredBy).containsExactlyInAnyOrder("a", "b", "c");
            assertThat(servers).allSatisfy(s -> assertThat(s.calls.get()).isEqualTo(10));
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void streamingCallsEveryWay() throws Exception {
        ManagedChannel channel = channel("echo");
        try {
            Iterator<String> stream = ClientCalls.blockingServerStreamingCall(channel, GrpcEcho.SERVER_STREAM,
                    CallOptions.DEFAULT, "5");
            List<String> got = new ArrayList<>();
            stream.forEachRemaining(got::add);
            assertThat(got).hasSize(5);
            assertThat(got.get(4)).endsWith(":5");

            CompletableFuture<String> collected = new CompletableFuture<>();
            StreamObserver<String> up = ClientCalls.asyncClientStreamingCall(
                    channel.newCall(GrpcEcho.CLIENT_STREAM, CallOptions.DEFAULT), observer(collected, new ArrayList<>()));
            for (String part : List.of("x", "y", "z")) {
                up.onNext(part);
            }
            up.onCompleted();
            assertThat(collected.get(5, TimeUnit.SECONDS)).endsWith(":xyz");

            List<String> echoed = new ArrayList<>();
            CompletableFuture<String> bidiDone = new CompletableFuture<>();
            StreamObserver<String> bidi = ClientCalls.asyncBidiStreamingCall(
                    channel.newCall(GrpcEcho.BIDI, CallOptions.DEFAULT), observer(bidiDone, echoed));
            for (int i = 0; i < 50; i++) {
                bidi.onNext("m" + i);
            }
            bidi.onCompleted();
            bidiDone.get(5, TimeUnit.SECONDS);
            assertThat(echoed).hasSize(50);
            assertThat(echoed.get(49)).endsWith(":m49");
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void anUnavailableAnswerIsRetriedOnAnotherServer() throws Exception {
        ManagedChannel channel = channel("echo");
        try {
            servers.get(0).unavailable.set(1);
            servers.get(1).unavailable.set(1);
            // Two servers fail their next call; with two retries every call still succeeds.
            for (int i = 0; i < 6; i++) {
                assertThat(unary(channel, "again")).endsWith(":again");
            }
            assertThat(servers.stream().mapToInt(s -> s.calls.get()).sum()).isEqualTo(8);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void errorsTheProxyMakesReachTheClientAsGrpcStatuses() throws Exception {
        ManagedChannel slow = channel("slow");
        ManagedChannel nowhere = channel("nowhere");
        ManagedChannel unknown = channel("unknown.example");
        try {
            assertThatThrownBy(() -> unary(slow, "sleep 2000")).isInstanceOfSatisfying(StatusRuntimeException.class,
                    e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
                        assertThat(e.getStatus().getDescription()).isEqualTo("upstream request timeout");
                    });
            assertThatThrownBy(() -> unary(nowhere, "hi")).isInstanceOfSatisfying(StatusRuntimeException.class,
                    e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
            assertThatThrownBy(() -> unary(unknown, "hi")).isInstanceOfSatisfying(StatusRuntimeException.class,
                    e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
            // The server's own error status comes through in its trailers.
            ManagedChannel echo = channel("echo");
            try {
                assertThatThrownBy(() -> unary(echo, "fail bad input")).isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> {
                            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                            assertThat(e.getStatus().getDescription()).isEqualTo("bad input");
                        });
            } finally {
                echo.shutdownNow();
            }
        } finally {
            slow.shutdownNow();
            nowhere.shutdownNow();
            unknown.shutdownNow();
        }
    }

    @Test
    void callsWaitingForAConnectionThatFailsAreAnsweredAtOnce() throws Exception {
        ManagedChannel nowhere = channel("http1-only");
        try {
            // Many calls at once to an upstream that speaks HTTP/1.1 only: one makes the connection,
            // the rest wait in line for it. It never becomes HTTP/2, and every call is answered
            // UNAVAILABLE, none left to run into its deadline.
            List<CompletableFuture<Status.Code>> calls = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                calls.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        ClientCalls.blockingUnaryCall(nowhere, GrpcEcho.UNARY,
                                CallOptions.DEFAULT.withDeadlineAfter(15, TimeUnit.SECONDS), "hi");
                        return Status.Code.OK;
                    } catch (StatusRuntimeException e) {
                        return e.getStatus().getCode();
                    }
                }));
            }
            for (CompletableFuture<Status.Code> call : calls) {
                assertThat(call.get(30, TimeUnit.SECONDS)).isEqualTo(Status.Code.UNAVAILABLE);
            }
        } finally {
            nowhere.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void theClientsDeadlineIsHonouredByTheProxy() throws Exception {
        ManagedChannel channel = channel("echo");
        try {
            long start = System.nanoTime();
            assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, GrpcEcho.UNARY,
                    CallOptions.DEFAULT.withDeadlineAfter(300, TimeUnit.MILLISECONDS), "sleep 3000"))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(2500);
            PrometheusPage page = PrometheusPage.scrapeUntil(sidecar.adminPort(), p -> p.sum("istio_requests_total",
                    Map.of("destination_cluster", "echo", "response_flags", "UT")) >= 1);
            assertThat(page.series("istio_requests_total", Map.of("destination_cluster", "echo", "response_flags", "UT")))
                    .allSatisfy(s -> assertThat(s.labels()).containsEntry("grpc_response_status", "4")
                            .containsEntry("request_protocol", "grpc"));
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void metricsCarryTheProtocolAndTheGrpcStatus() throws Exception {
        ManagedChannel channel = channel("echo");
        try {
            unary(channel, "counted");
            assertThatThrownBy(() -> unary(channel, "fail counted")).isInstanceOf(StatusRuntimeException.class);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        Map<String, String> ok = Map.of("destination_cluster", "echo", "request_protocol", "grpc",
                "response_code", "200", "grpc_response_status", "0");
        Map<String, String> invalid = Map.of("destination_cluster", "echo", "request_protocol", "grpc",
                "response_code", "200", "grpc_response_status", "3");
        PrometheusPage page = PrometheusPage.scrapeUntil(sidecar.adminPort(),
                p -> p.sum("istio_requests_total", ok) >= 1 && p.sum("istio_requests_total", invalid) >= 1);
        assertThat(page.sum("istio_requests_total", invalid)).isGreaterThanOrEqualTo(1);
    }

    @Test
    void callsComeInThroughTheInboundListenerToTheApplication() throws Exception {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", sidecar.inboundPort())
                .usePlaintext().overrideAuthority("app.local").disableRetry().build();
        try {
            assertThat(unary(channel, "in")).isEqualTo("app:in");
            Iterator<String> stream = ClientCalls.blockingServerStreamingCall(channel, GrpcEcho.SERVER_STREAM,
                    CallOptions.DEFAULT, "4");
            List<String> got = new ArrayList<>();
            stream.forEachRemaining(got::add);
            assertThat(got).containsExactly("app:1", "app:2", "app:3", "app:4");
            CompletableFuture<String> collected = new CompletableFuture<>();
            StreamObserver<String> up = ClientCalls.asyncClientStreamingCall(
                    channel.newCall(GrpcEcho.CLIENT_STREAM, CallOptions.DEFAULT), observer(collected, new ArrayList<>()));
            List.of("x", "y", "z").forEach(up::onNext);
            up.onCompleted();
            assertThat(collected.get(5, TimeUnit.SECONDS)).endsWith(":xyz");
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        // Istio's message counters, gRPC's only: in 1 + 1 + 3, out 1 + 4 + 1.
        Map<String, String> inbound = Map.of("reporter", "destination", "request_protocol", "grpc");
        PrometheusPage page = PrometheusPage.scrapeUntil(sidecar.adminPort(),
                p -> p.sum("istio_requests_total", inbound) >= 3);
        assertThat(page.sum("istio_request_messages_total", inbound)).isEqualTo(5);
        assertThat(page.sum("istio_response_messages_total", inbound)).isEqualTo(6);
    }

    @Test
    void aServerGoingAwayLosesNoCall() throws Exception {
        ManagedChannel channel = channel("two");
        try {
            for (int i = 0; i < 4; i++) {
                unary(channel, "before");   // a warm HTTP/2 connection to each server
            }
            assertThat(leaving.calls.get()).isEqualTo(2);
            leaving.shutdownGracefully();   // GOAWAY on the proxy's connection to it, and no new connection
            List<String> answers = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                answers.add(unary(channel, "after " + i));   // none fails
            }
            // Once its connection has gone, the leaving server is refused at connect and the call
            // retried on the other: the last answers all come from the one that stays.
            assertThat(answers.subList(10, 20)).allSatisfy(answer -> assertThat(answer).startsWith("staying:"));
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static StreamObserver<String> observer(CompletableFuture<String> done, List<String> messages) {
        return new StreamObserver<>() {
            @Override
            public void onNext(String value) {
                messages.add(value);
            }

            @Override
            public void onError(Throwable t) {
                done.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                done.complete(messages.isEmpty() ? "" : messages.get(messages.size() - 1));
            }
        };
    }
}
