package io.outrigger.cluster;

import java.net.InetSocketAddress;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Locality failover over a cluster's endpoints, as outlier detection ejects local ones. */
class MembersTest {

    static Endpoint endpoint(int last, boolean local) {
        InetSocketAddress address = new InetSocketAddress("198.18.0." + last, 8080);
        Endpoint endpoint = new Endpoint(address, LoadBalancerTest.CLIENT.connectionsTo(address));
        endpoint.info(new EndpointInfo(address, "pod-" + last, local ? "zone-a" : "zone-b", EndpointInfo.State.READY, null, local));
        return endpoint;
    }

    static void eject(Endpoint endpoint) {
        endpoint.outlier().ejectedUntil = System.currentTimeMillis() + 60_000;
    }

    @Test
    void localEndpointsTakeEveryRequestWhileEnoughOfThemAreHealthy() {
        Endpoint a1 = endpoint(1, true), a2 = endpoint(2, true), a3 = endpoint(3, true), a4 = endpoint(4, true);
        Endpoint b1 = endpoint(5, false);
        Members members = Members.of(List.of(a1, a2, a3, a4, b1));
        assertThat(members.candidates(false, 70)).containsExactly(a1, a2, a3, a4);

        eject(a1);   // 3 of 4 healthy: 75% >= 70%
        assertThat(members.candidates(true, 70)).containsExactly(a2, a3, a4);

        eject(a2);   // 2 of 4: 50% < 70%: every healthy endpoint, every zone
        assertThat(members.candidates(true, 70)).containsExactly(a3, a4, b1);

        eject(a3);
        eject(a4);
        eject(b1);   // none healthy: all of them (panic)
        assertThat(members.candidates(true, 70)).containsExactly(a1, a2, a3, a4, b1);
    }

    @Test
    void withNoLocalEndpointOrOnlyLocalOnesThereIsNoPreference() {
        Endpoint b1 = endpoint(5, false), b2 = endpoint(6, false);
        assertThat(Members.of(List.of(b1, b2)).local()).isEmpty();
        Endpoint a1 = endpoint(1, true), a2 = endpoint(2, true);
        assertThat(Members.of(List.of(a1, a2)).local()).isEmpty();
        assertThat(Members.of(List.of(a1, a2)).candidates(false, 70)).containsExactly(a1, a2);
    }
}
