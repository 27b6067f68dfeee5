package io.outrigger.tls;

import io.outrigger.upstream.ConnectionSecurity;

/** Makes the security of a cluster's new upstream connections from its {@link PeerPolicy}. */
@FunctionalInterface
public interface UpstreamTls {

    /** Plaintext only: for tests and for clusters that never ask. */
    UpstreamTls NONE = peers -> ConnectionSecurity.NONE;

    ConnectionSecurity forPeers(PeerPolicy peers);
}
