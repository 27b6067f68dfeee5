package io.outrigger.tls;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The one authorization decision HTTP and TCP share. */
class PrincipalsTest {

    @Test
    void anEmptyListAllowsEveryCallerEvenOneWithNoIdentity() {
        Principals none = Principals.of(List.of());

        assertThat(none.allows("spiffe://cluster.local/ns/default/sa/anyone")).isTrue();
        assertThat(none.allows(null)).isTrue();
    }

    @Test
    void aListAllowsOnlyTheCallersItMatchesAndNeverOneWithNoIdentity() {
        Principals frontends = Principals.of(List.of("spiffe://cluster.local/ns/default/sa/frontend",
                "spiffe://cluster.local/ns/shop/*"));

        assertThat(frontends.allows("spiffe://cluster.local/ns/default/sa/frontend")).isTrue();
        assertThat(frontends.allows("spiffe://cluster.local/ns/shop/sa/cart")).isTrue();
        assertThat(frontends.allows("spiffe://cluster.local/ns/default/sa/backend")).isFalse();
        assertThat(frontends.allows(null)).isFalse();
    }
}
