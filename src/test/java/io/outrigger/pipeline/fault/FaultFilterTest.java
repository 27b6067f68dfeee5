package io.outrigger.pipeline.fault;

import java.time.Duration;

import io.outrigger.common.Direction;
import io.outrigger.common.ResponseFlag;
import io.outrigger.pipeline.TestExchange;
import io.outrigger.pipeline.route.RouteFilter;
import io.outrigger.snapshot.Snapshot;
import io.outrigger.snapshot.TestSnapshots;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

import static org.assertj.core.api.Assertions.assertThat;

/** The route's fault: an abort answers locally with FI; a delay waits on the request's scheduler, flagged DI. */
class FaultFilterTest {

    static TestSnapshots snapshots;
    static Snapshot snapshot;
    final FaultFilter filter = new FaultFilter();

    @BeforeAll
    static void compile() {
        snapshots = new TestSnapshots();
        snapshot = snapshots.of(
                "outrigger.clusters.app.endpoints[0]", "198.18.0.1:8080",
                "outrigger.routes[0].name", "abort",
                "outrigger.routes[0].hosts[0]", "abort",
                "outrigger.routes[0].route[0].cluster", "app",
                "outrigger.routes[0].fault.abort.http-status", "503",
                "outrigger.routes[1].name", "delay",
                "outrigger.routes[1].hosts[0]", "delay",
                "outrigger.routes[1].route[0].cluster", "app",
                "outrigger.routes[1].fault.delay.fixed-delay", "2s",
                "outrigger.routes[2].name", "plain",
                "outrigger.routes[2].hosts[0]", "plain",
                "outrigger.routes[2].route[0].cluster", "app");
    }

    @AfterAll
    static void close() {
        snapshots.close();
    }

    static TestExchange routed(String host, Scheduler scheduler) {
        TestExchange exchange = TestExchange.of(Direction.OUTBOUND, snapshot, null, scheduler, "GET", host, "/");
        new RouteFilter().filter(exchange, routed -> Mono.empty()).block();
        return exchange;
    }

    @Test
    void anAbortAnswersWithTheFaultsStatusAndNeverReachesTheUpstream() {
        TestExchange exchange = routed("abort", Schedulers.immediate());
        filter.filter(exchange, exchange.chain()).block();
        assertThat(exchange.passedOn()).isFalse();
        assertThat(exchange.replyStatus()).isEqualTo(503);
        assertThat(exchange.replyBody()).isEqualTo("fault filter abort\n");
        assertThat(exchange.flags()).isEqualTo("FI");
    }

    @Test
    void aDelayHoldsTheRequestOnItsSchedulerThenPassesItOn() {
        VirtualTimeScheduler time = VirtualTimeScheduler.create();
        TestExchange exchange = routed("delay", time);
        StepVerifier.withVirtualTime(() -> filter.filter(exchange, exchange.chain()), () -> time, 1)
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(1999))
                .then(() -> assertThat(exchange.passedOn()).as("still held").isFalse())
                .thenAwait(Duration.ofMillis(1))
                .verifyComplete();
        assertThat(exchange.passedOn()).isTrue();
        assertThat(exchange.hasFlag(ResponseFlag.DI)).isTrue();
    }

    @Test
    void aRouteWithoutAFaultPassesStraightOn() {
        TestExchange exchange = routed("plain", Schedulers.immediate());
        filter.filter(exchange, exchange.chain()).block();
        assertThat(exchange.passedOn()).isTrue();
        assertThat(exchange.flags()).isEqualTo("-");
    }
}
