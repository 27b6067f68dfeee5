package io.outrigger.pipeline;

import java.time.Duration;

import io.outrigger.common.ResponseFlag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class GrpcTest {

    @Test
    void grpcTimeoutHasEveryUnitOfTheSpecAndRefusesTheRest() {
        assertThat(Grpc.timeout("2H")).isEqualTo(Duration.ofHours(2));
        assertThat(Grpc.timeout("3M")).isEqualTo(Duration.ofMinutes(3));
        assertThat(Grpc.timeout("10S")).isEqualTo(Duration.ofSeconds(10));
        assertThat(Grpc.timeout("250m")).isEqualTo(Duration.ofMillis(250));
        assertThat(Grpc.timeout("99999999u")).isEqualTo(Duration.ofNanos(99_999_999_000L));
        assertThat(Grpc.timeout("5n")).isEqualTo(Duration.ofNanos(5));
        assertThat(Grpc.timeout(null)).isNull();
        assertThat(Grpc.timeout("S")).isNull();
        assertThat(Grpc.timeout("123456789S")).as("more than 8 digits").isNull();
        assertThat(Grpc.timeout("10s")).as("no such unit").isNull();
        assertThat(Grpc.timeout("-1S")).isNull();
    }

    @Test
    void outriggersOwnRepliesMapToTheStatusAClientActsOn() {
        assertThat(Grpc.localStatus(504, ResponseFlag.UT)).isEqualTo(Grpc.DEADLINE_EXCEEDED);
        assertThat(Grpc.localStatus(502, ResponseFlag.NR)).isEqualTo(Grpc.UNAVAILABLE);
        assertThat(Grpc.localStatus(503, ResponseFlag.UH)).isEqualTo(Grpc.UNAVAILABLE);
        assertThat(Grpc.localStatus(502, ResponseFlag.UF)).isEqualTo(Grpc.UNAVAILABLE);
        assertThat(Grpc.localStatus(503, ResponseFlag.UO)).isEqualTo(Grpc.UNAVAILABLE);
        assertThat(Grpc.localStatus(403, ResponseFlag.RBAC)).isEqualTo(Grpc.PERMISSION_DENIED);
        // An injected fault: the gRPC spec's mapping of its HTTP status.
        assertThat(Grpc.localStatus(400, ResponseFlag.FI)).isEqualTo(Grpc.INTERNAL);
        assertThat(Grpc.localStatus(404, ResponseFlag.FI)).isEqualTo(Grpc.UNIMPLEMENTED);
        assertThat(Grpc.localStatus(429, ResponseFlag.FI)).isEqualTo(Grpc.UNAVAILABLE);
        assertThat(Grpc.localStatus(418, ResponseFlag.FI)).isEqualTo(Grpc.UNKNOWN);
        assertThat(Grpc.localStatus(500, null)).isEqualTo(Grpc.UNKNOWN);
    }

    @Test
    void aStatusOutsideTheSpecCountsAsUnknown() {
        assertThat(Grpc.status("0")).isZero();
        assertThat(Grpc.status(" 14 ")).isEqualTo(14);
        assertThat(Grpc.status("17")).isEqualTo(Grpc.UNKNOWN);
        assertThat(Grpc.status("x")).isEqualTo(Grpc.UNKNOWN);
    }
}
