package io.outrigger.tls;

import java.util.List;

import io.outrigger.common.Problems;

/**
 * How a cluster's upstream connections are secured: plaintext, or this pod's mTLS to a peer
 * sidecar whose SPIFFE ID matches {@code principals} (empty: any ID in the pod's trust domain).
 */
public record PeerPolicy(boolean mutual, List<String> principals) {

    public static final PeerPolicy PLAINTEXT = new PeerPolicy(false, List.of());

    /**
     * Compiles a cluster's {@code tls} and {@code peer-principals}; {@code identity} says whether
     * the pod has an identity to present.
     */
    public static PeerPolicy compile(String tls, List<String> principals, boolean identity, String path, Problems problems) {
        boolean mutual = "mutual".equals(tls);
        if (!mutual && !"none".equals(tls)) {
            problems.add(path + ".tls", "must be none or mutual, was '" + tls + "'");
        } else if (mutual && !identity) {
            problems.add(path + ".tls", "mutual needs the pod's identity: set outrigger.tls.cert-chain, private-key and trust-bundle");
        }
        Principals.check(principals, path + ".peer-principals", problems);
        return new PeerPolicy(mutual, List.copyOf(principals));
    }
}
