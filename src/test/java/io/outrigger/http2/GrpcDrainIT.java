package io.outrigger.http2;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.outrigger.listener.ListenerManager;
import io.outrigger.testing.Sidecar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Draining with a gRPC client connected: its connection gets GOAWAY, the call in flight finishes,
 * and the connection then closes by itself, before the drain timeout. A gRPC client keeps its
 * connection open otherwise, so only a GOAWAY ends it early.
 */
@ExtendWith(OutputCaptureExtension.class)
class GrpcDrainIT {

    @Test
    void anHttp2ClientIsToldToGoAwayAndItsCallInFlightFinishes(CapturedOutput output) throws Exception {
        try (GrpcEcho app = GrpcEcho.start("app");
                Sidecar sidecar = Sidecar.start("""
                        outrigger:
                          inbound: { app-port: %d }
                          drain: { timeout: 20s }
                        """.formatted(app.port()))) {
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", sidecar.inboundPort())
                    .usePlaintext().overrideAuthority("app.local").disableRetry().build();
            try {
                assertThat(ClientCalls.blockingUnaryCall(channel, GrpcEcho.UNARY, CallOptions.DEFAULT, "warm"))
                        .isEqualTo("app:warm");
                CompletableFuture<String> inFlight = CompletableFuture.supplyAsync(() ->
                        ClientCalls.blockingUnaryCall(channel, GrpcEcho.UNARY, CallOptions.DEFAULT, "sleep 1500"));
                await().atMost(Duration.ofSeconds(5)).until(() -> app.calls.get() == 2);

                ListenerManager listeners = sidecar.bean(ListenerManager.class);
                listeners.drainInbound(Duration.ofSeconds(20));

                assertThat(inFlight.get(5, TimeUnit.SECONDS)).isEqualTo("app:sleep 1500");
                assertThat(listeners.inbound().activeConnections()).isZero();
                assertThat(output).contains("draining: inbound connections finished");
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }
}
