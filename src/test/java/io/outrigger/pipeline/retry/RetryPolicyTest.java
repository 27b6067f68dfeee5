package io.outrigger.pipeline.retry;

import java.time.Duration;
import java.util.List;

import io.outrigger.config.OutriggerProperties;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RetryPolicyTest {

    @Test
    void theDefaultPolicyRetriesConnectFailuresAndIdempotent503sOnly() {
        RetryPolicy policy = RetryPolicy.compile(null);
        assertThat(policy.attempts()).isEqualTo(2);
        assertThat(policy.retriesConnectFailure()).isTrue();
        assertThat(policy.retriesStatus(503, true)).isTrue();
        assertThat(policy.retriesStatus(503, false)).isFalse();
        assertThat(policy.retriesStatus(500, true)).isFalse();
        assertThat(policy.retriesReset(false)).isTrue();
        assertThat(policy.retriesReset(true)).isFalse();
    }

    @Test
    void fiveXxCoversConnectFailuresResetsAndEvery5xx() {
        RetryPolicy policy = RetryPolicy.compile(new OutriggerProperties.Retries(3, null, "5xx", List.of()));
        assertThat(policy.retriesStatus(500, false)).isTrue();
        assertThat(policy.retriesStatus(599, false)).isTrue();
        assertThat(policy.retriesStatus(429, false)).isFalse();
        assertThat(policy.retriesConnectFailure()).isTrue();
        assertThat(policy.retriesReset(true)).isTrue();
    }

    @Test
    void gatewayErrorCovers502To504Only() {
        RetryPolicy policy = RetryPolicy.compile(new OutriggerProperties.Retries(1, null, "gateway-error", List.of()));
        assertThat(policy.retriesStatus(502, false)).isTrue();
        assertThat(policy.retriesStatus(504, false)).isTrue();
        assertThat(policy.retriesStatus(500, false)).isFalse();
    }

    @Test
    void listedStatusCodesAreRetried() {
        RetryPolicy policy = RetryPolicy.compile(
                new OutriggerProperties.Retries(1, Duration.ofMillis(100), "409,retriable-status-codes", List.of(425)));
        assertThat(policy.retriesStatus(409, false)).isTrue();
        assertThat(policy.retriesStatus(425, false)).isTrue();
        assertThat(policy.retriesStatus(503, false)).isFalse();
        assertThat(policy.retriesConnectFailure()).isFalse();
        assertThat(policy.perTryTimeout()).isEqualTo(Duration.ofMillis(100));
    }

    @Test
    void grpcConditionsRetryTheirStatusesOnly() {
        RetryPolicy policy = RetryPolicy.compile(new OutriggerProperties.Retries(2, null,
                "cancelled,deadline-exceeded,internal,resource-exhausted,unavailable", List.of()));
        assertThat(List.of(1, 4, 8, 13, 14)).allSatisfy(code -> assertThat(policy.retriesGrpc(code)).isTrue());
        assertThat(List.of(0, 2, 3, 5, 7, 12, 16, 99)).allSatisfy(code -> assertThat(policy.retriesGrpc(code)).isFalse());
        assertThat(policy.retriesStatus(503, true)).isFalse();
        assertThat(RetryPolicy.compile(null).retriesGrpc(14)).as("the default policy").isFalse();
        assertThat(RetryPolicy.compile(new OutriggerProperties.Retries(2, null, "5xx", List.of())).retriesGrpc(14)).isFalse();
    }

    @Test
    void refusedStreamRetriesWhatWasNeverSentOnly() {
        RetryPolicy policy = RetryPolicy.compile(new OutriggerProperties.Retries(2, null, "refused-stream", List.of()));
        assertThat(policy.retriesReset(false)).isTrue();
        assertThat(policy.retriesReset(true)).isFalse();
        assertThat(RetryPolicy.compile(new OutriggerProperties.Retries(2, null, "409", List.of())).retriesReset(false)).isFalse();
    }

    @Test
    void backoffIsExponentialWithFullJitterAndCapped() {
        Backoff backoff = Backoff.DEFAULT;
        assertThat(backoff.delay(1, bound -> bound - 1)).isEqualTo(Duration.ofMillis(25));
        assertThat(backoff.delay(2, bound -> bound - 1)).isEqualTo(Duration.ofMillis(50));
        assertThat(backoff.delay(4, bound -> bound - 1)).isEqualTo(Duration.ofMillis(200));
        assertThat(backoff.delay(5, bound -> bound - 1)).isEqualTo(Duration.ofMillis(250));
        assertThat(backoff.delay(60, bound -> bound - 1)).isEqualTo(Duration.ofMillis(250));
        assertThat(backoff.delay(3, bound -> 0)).isEqualTo(Duration.ZERO);
    }
}
