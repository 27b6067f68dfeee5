package io.outrigger.pipeline.headers;

import io.outrigger.pipeline.TestExchange;
import io.outrigger.pipeline.route.RouteFilter;
import io.outrigger.snapshot.Snapshot;
import io.outrigger.snapshot.TestSnapshots;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;

/** A route's header rules: remove, then set, then add, on the headers going upstream and on the response. */
class HeaderRulesFilterTest {

    static TestSnapshots snapshots;
    static Snapshot snapshot;

    @BeforeAll
    static void compile() {
        snapshots = new TestSnapshots();
        snapshot = snapshots.of(
                "outrigger.clusters.app.endpoints[0]", "198.18.0.1:8080",
                "outrigger.routes[0].name", "app",
                "outrigger.routes[0].hosts[0]", "app",
                "outrigger.routes[0].route[0].cluster", "app",
                "outrigger.routes[0].headers.request.remove[0]", "x-debug",
                "outrigger.routes[0].headers.request.set.x-env", "prod",
                "outrigger.routes[0].headers.request.add.x-hop", "outrigger",
                "outrigger.routes[0].headers.response.set.x-served-by", "app",
                "outrigger.routes[0].headers.response.remove[0]", "server");
    }

    @AfterAll
    static void close() {
        snapshots.close();
    }

    static TestExchange routed(String... headers) {
        TestExchange exchange = TestExchange.outbound(snapshot, "GET", "app", "/", headers);
        new RouteFilter().filter(exchange, routed -> Mono.empty()).block();
        return exchange;
    }

    @Test
    void requestRulesChangeOnlyTheHeadersGoingUpstream() {
        TestExchange exchange = routed("x-debug", "1", "x-env", "dev", "x-hop", "client");
        new HeaderRulesFilter().filter(exchange, exchange.chain()).block();
        assertThat(exchange.passedOn()).isTrue();
        assertThat(exchange.upstreamHeaders().contains("x-debug")).isFalse();
        assertThat(exchange.upstreamHeaders().getAll("x-env")).containsExactly("prod");
        assertThat(exchange.upstreamHeaders().getAll("x-hop")).containsExactly("client", "outrigger");
        assertThat(exchange.requestHeaders().get("x-debug")).as("the client's own headers are left alone").isEqualTo("1");
    }

    @Test
    void responseRulesApplyWhenTheResponseIsCommitted() {
        TestExchange exchange = routed();
        exchange.responseHeaders().set("server", "upstream");
        new HeaderRulesFilter().filter(exchange, exchange.chain()).block();   // the chain commits 200
        assertThat(exchange.responseHeaders().get("x-served-by")).isEqualTo("app");
        assertThat(exchange.responseHeaders().contains("server")).isFalse();
    }
}
