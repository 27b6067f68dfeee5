package io.outrigger.pipeline.headers;

import io.outrigger.pipeline.TestExchange;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** x-request-id is kept when the client sent one, and otherwise a fresh version-4 UUID. */
class RequestIdFilterTest {

    @Test
    void aClientsRequestIdIsKept() {
        TestExchange exchange = TestExchange.outbound(null, "GET", "app", "/", "x-request-id", "abc-123");
        new RequestIdFilter().filter(exchange, exchange.chain()).block();
        assertThat(exchange.requestId()).isEqualTo("abc-123");
        assertThat(exchange.upstreamHeaders().get("x-request-id")).isEqualTo("abc-123");
    }

    @Test
    void aMissingRequestIdIsGeneratedAndSentUpstream() {
        TestExchange first = TestExchange.outbound(null, "GET", "app", "/");
        TestExchange second = TestExchange.outbound(null, "GET", "app", "/");
        new RequestIdFilter().filter(first, first.chain()).block();
        new RequestIdFilter().filter(second, second.chain()).block();
        assertThat(first.requestId()).matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
        assertThat(first.upstreamHeaders().get("x-request-id")).isEqualTo(first.requestId());
        assertThat(second.requestId()).isNotEqualTo(first.requestId());
    }
}
