package io.outrigger.pipeline.peer;

import io.outrigger.common.Direction;
import io.outrigger.pipeline.TestExchange;
import io.outrigger.snapshot.Snapshot;
import io.outrigger.snapshot.TestSnapshots;
import io.outrigger.tls.Peer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Schedulers;

import static org.assertj.core.api.Assertions.assertThat;

/** Inbound authorization by the caller's SPIFFE ID: allowed ones pass, others and plaintext get 403 RBAC. */
class AuthorizationFilterTest {

    static TestSnapshots snapshots;
    static Snapshot open;
    static Snapshot frontendsOnly;
    final AuthorizationFilter filter = new AuthorizationFilter();

    @BeforeAll
    static void compile() {
        snapshots = new TestSnapshots();
        open = snapshots.of("outrigger.inbound.app-port", "8080");
        frontendsOnly = snapshots.of("outrigger.inbound.authorization.allow-principals[0]",
                "spiffe://cluster.local/ns/shop/sa/frontend-*");
    }

    @AfterAll
    static void close() {
        snapshots.close();
    }

    static TestExchange inbound(Snapshot snapshot, String principal) {
        TestExchange exchange = TestExchange.of(Direction.INBOUND, snapshot, null, Schedulers.immediate(), "GET", "app", "/orders");
        if (principal != null) {
            exchange.downstreamPeer(new Peer(principal, "00"));
        }
        return exchange;
    }

    @Test
    void withNoAllowListEveryoneIsLetThrough() {
        TestExchange plaintext = inbound(open, null);
        filter.filter(plaintext, plaintext.chain()).block();
        assertThat(plaintext.passedOn()).isTrue();
    }

    @Test
    void anAllowedPrincipalPasses() {
        TestExchange exchange = inbound(frontendsOnly, "spiffe://cluster.local/ns/shop/sa/frontend-web");
        filter.filter(exchange, exchange.chain()).block();
        assertThat(exchange.passedOn()).isTrue();
        assertThat(exchange.flags()).isEqualTo("-");
    }

    @Test
    void anotherPrincipalOrNoneIsDenied() {
        for (String caller : new String[] {"spiffe://cluster.local/ns/shop/sa/billing", null}) {
            TestExchange exchange = inbound(frontendsOnly, caller);
            filter.filter(exchange, exchange.chain()).block();
            assertThat(exchange.passedOn()).as("caller %s", caller).isFalse();
            assertThat(exchange.replyStatus()).isEqualTo(403);
            assertThat(exchange.replyBody()).isEqualTo("RBAC: access denied\n");
            assertThat(exchange.flags()).isEqualTo("RBAC");
        }
    }
}
