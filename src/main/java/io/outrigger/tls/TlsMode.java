package io.outrigger.tls;

import io.outrigger.common.Problems;

/** Istio's PeerAuthentication modes for an inbound port. */
public enum TlsMode {
    /** Plaintext only: a sidecar's mTLS is not terminated. */
    DISABLE,
    /** A sidecar's mTLS is terminated, plaintext is accepted too. */
    PERMISSIVE,
    /** Only a sidecar's mTLS is accepted. */
    STRICT;

    /**
     * The mode {@code name} names, reported at {@code path} when it names none or needs an
     * identity the pod lacks. An unknown name reads as PERMISSIVE, so listeners that must come up
     * on a refused config still can.
     */
    public static TlsMode compile(String name, boolean identity, String path, Problems problems) {
        for (TlsMode mode : values()) {
            if (mode.name().equals(name)) {
                if (mode == STRICT && !identity) {
                    problems.add(path, "STRICT needs the pod's identity: set outrigger.tls.cert-chain, private-key and trust-bundle");
                }
                return mode;
            }
        }
        problems.add(path, "must be DISABLE, PERMISSIVE or STRICT, was '" + name + "'");
        return PERMISSIVE;
    }
}
