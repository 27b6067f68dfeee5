package io.outrigger.pipeline.route;

import java.net.InetSocketAddress;

import io.outrigger.common.Direction;
import io.outrigger.common.ResponseFlag;
import io.outrigger.pipeline.TestExchange;
import io.outrigger.snapshot.Snapshot;
import io.outrigger.snapshot.TestSnapshots;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Schedulers;

import static org.assertj.core.api.Assertions.assertThat;

/** Outbound routing on a real compiled table, with no connection: which route, which cluster, or 502 NR. */
class RouteFilterTest {

    static TestSnapshots snapshots;
    static Snapshot table;
    static Snapshot registryOnly;
    final RouteFilter filter = new RouteFilter();

    @BeforeAll
    static void compile() {
        snapshots = new TestSnapshots();
        String[] routes = {
                "outrigger.clusters.reviews-v1.endpoints[0]", "198.18.0.1:9080",
                "outrigger.clusters.reviews-v2.endpoints[0]", "198.18.0.2:9080",
                "outrigger.routes[0].name", "canary",
                "outrigger.routes[0].hosts[0]", "reviews",
                "outrigger.routes[0].match[0].headers.x-canary.exact", "yes",
                "outrigger.routes[0].route[0].cluster", "reviews-v2",
                "outrigger.routes[1].name", "api",
                "outrigger.routes[1].hosts[0]", "reviews",
                "outrigger.routes[1].match[0].uri.prefix", "/api/",
                "outrigger.routes[1].match[0].method", "GET",
                "outrigger.routes[1].route[0].cluster", "reviews-v1"};
        table = snapshots.of(routes);
        String[] strict = java.util.Arrays.copyOf(routes, routes.length + 2);
        strict[routes.length] = "outrigger.outbound.mode";
        strict[routes.length + 1] = "registry-only";
        registryOnly = snapshots.of(strict);
    }

    @AfterAll
    static void close() {
        snapshots.close();
    }

    @Test
    void theFirstMatchingRouteAndItsClusterAreChosen() {
        TestExchange exchange = TestExchange.outbound(table, "GET", "reviews:9080", "/api/1", "x-canary", "yes");
        filter.filter(exchange, exchange.chain()).block();
        assertThat(exchange.passedOn()).isTrue();
        assertThat(exchange.route().name()).isEqualTo("canary");
        assertThat(exchange.cluster().name()).isEqualTo("reviews-v2");
    }

    @Test
    void pathAndMethodMustHoldTogether() {
        TestExchange get = TestExchange.outbound(table, "GET", "reviews", "/api/1?x=1");
        filter.filter(get, get.chain()).block();
        assertThat(get.route().name()).isEqualTo("api");
        assertThat(get.cluster().name()).isEqualTo("reviews-v1");

        TestExchange post = TestExchange.outbound(table, "POST", "reviews", "/api/1");
        filter.filter(post, post.chain()).block();
        assertThat(post.passedOn()).isFalse();
        assertThat(post.replyStatus()).isEqualTo(502);
        assertThat(post.hasFlag(ResponseFlag.NR)).isTrue();
    }

    @Test
    void anUnmatchedRequestNotRedirectedGets502NoRoute() {
        TestExchange exchange = TestExchange.outbound(table, "GET", "nowhere", "/");
        filter.filter(exchange, exchange.chain()).block();
        assertThat(exchange.passedOn()).isFalse();
        assertThat(exchange.replyStatus()).isEqualTo(502);
        assertThat(exchange.replyBody()).isEqualTo("no route matched host 'nowhere'\n");
        assertThat(exchange.flags()).isEqualTo("NR");
        assertThat(exchange.status()).isEqualTo(502);
    }

    @Test
    void anUnmatchedRedirectedRequestGoesToItsOriginalDestinationInAllowAnyMode() {
        InetSocketAddress original = new InetSocketAddress("198.18.0.9", 8443);
        TestExchange exchange = TestExchange.of(Direction.OUTBOUND, table, original, Schedulers.immediate(), "GET", "elsewhere", "/");
        filter.filter(exchange, exchange.chain()).block();
        assertThat(exchange.passedOn()).isTrue();
        assertThat(exchange.cluster().name()).isEqualTo("PassthroughCluster");
        assertThat(exchange.upstreamAddress()).isEqualTo(original);
    }

    @Test
    void registryOnlyModeRefusesWhatNoRouteClaims() {
        InetSocketAddress original = new InetSocketAddress("198.18.0.9", 8443);
        TestExchange exchange = TestExchange.of(Direction.OUTBOUND, registryOnly, original, Schedulers.immediate(), "GET",
                "elsewhere", "/");
        filter.filter(exchange, exchange.chain()).block();
        assertThat(exchange.passedOn()).isFalse();
        assertThat(exchange.replyStatus()).isEqualTo(502);
        assertThat(exchange.hasFlag(ResponseFlag.NR)).isTrue();
    }

    @Test
    void withNoConfigurationLoadedEveryRequestGets502NoRoute() {
        TestExchange exchange = TestExchange.outbound(null, "GET", "reviews", "/api/1");
        filter.filter(exchange, exchange.chain()).block();
        assertThat(exchange.replyStatus()).isEqualTo(502);
        assertThat(exchange.replyBody()).contains("no valid configuration");
    }
}
