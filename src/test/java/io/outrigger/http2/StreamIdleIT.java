package io.outrigger.http2;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
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
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The stream idle timeout: a gRPC stream with nothing either way for that long ends (flag
 * {@code SI}); one that keeps talking lives on past it, however long it lasts.
 */
class StreamIdleIT {

    static GrpcEcho server;
    static Sidecar sidecar;
    static ManagedChannel channel;

    @BeforeAll
    static void start() throws Exception {
        server = GrpcEcho.start("echo");
        sidecar = Sidecar.start("""
                outrigger:
                  outbound:
                    limits: { stream-idle-timeout: 1s }
                  routes:
                    - { name: echo, hosts: [ echo ], route: [ { cluster: echo } ] }
                  clusters:
                    echo: { endpoints: [ "127.0.0.1:%d" ] }
                """.formatted(server.port()));
        channel = NettyChannelBuilder.forAddress("127.0.0.1", sidecar.outboundPort())
                .usePlaintext().overrideAuthority("echo").disableRetry().build();
    }

    @AfterAll
    static void stop() throws Exception {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        sidecar.close();
        server.close();
    }

    @Test
    void aSilentStreamEndsAtTheTimeoutWithFlagSi() {
        double before = idleEnded();
        CompletableFuture<String> done = new CompletableFuture<>();
        long start = System.nanoTime();
        ClientCalls.asyncBidiStreamingCall(channel.newCall(GrpcEcho.BIDI, CallOptions.DEFAULT), observer(done, new ArrayList<>()));
        assertThatThrownBy(() -> done.get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNKNOWN);
                    assertThat(e.getStatus().getDescription()).isEqualTo("stream timeout");
                });
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(900));
        assertThat(PrometheusPage.scrapeUntil(sidecar.adminPort(), p -> p.sum("istio_requests_total", IDLE) > before)
                .sum("istio_requests_total", IDLE)).isEqualTo(before + 1);
    }

    /** Once the response has started, the stream is reset: the client learns it broke off, the log says SI alone. */
    @Test
    void aStreamGoneQuietAfterItsFirstAnswerIsResetWithFlagSi() throws Exception {
        double before = idleEnded();
        List<String> echoed = new ArrayList<>();
        CompletableFuture<String> done = new CompletableFuture<>();
        StreamObserver<String> stream = ClientCalls.asyncBidiStreamingCall(
                channel.newCall(GrpcEcho.BIDI, CallOptions.DEFAULT), observer(done, echoed));
        stream.onNext("only");
        assertThatThrownBy(() -> done.get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL));
        assertThat(echoed).hasSize(1);
        assertThat(PrometheusPage.scrapeUntil(sidecar.adminPort(), p -> p.sum("istio_requests_total", IDLE) > before)
                .sum("istio_requests_total", IDLE)).isEqualTo(before + 1);
    }

    static final Map<String, String> IDLE = Map.of("response_flags", "SI", "request_protocol", "grpc");

    private static double idleEnded() {
        return PrometheusPage.scrapeUntil(sidecar.adminPort(), page -> true).sum("istio_requests_total", IDLE);
    }

    @Test
    void aStreamThatKeepsTalkingOutlivesTheTimeout() throws Exception {
        List<String> echoed = new ArrayList<>();
        CompletableFuture<String> done = new CompletableFuture<>();
        StreamObserver<String> stream = ClientCalls.asyncBidiStreamingCall(
                channel.newCall(GrpcEcho.BIDI, CallOptions.DEFAULT), observer(done, echoed));
        for (int i = 0; i < 8; i++) {   // 3.2 s in all, never 1 s without a message
            stream.onNext("m" + i);
            Thread.sleep(400);
        }
        stream.onCompleted();
        done.get(5, TimeUnit.SECONDS);
        assertThat(echoed).hasSize(8);
    }

    private static StreamObserver<String> observer(CompletableFuture<String> done, List<String> messages) {
        return new StreamObserver<>() {
            @Override
            public void onNext(String value) {
                synchronized (messages) {
                    messages.add(value);
                }
            }

            @Override
            public void onError(Throwable t) {
                done.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                done.complete("done");
            }
        };
    }
}
