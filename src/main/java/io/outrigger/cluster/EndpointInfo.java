package io.outrigger.cluster;

import java.net.InetSocketAddress;

/**
 * One endpoint as service discovery knows it: where it is, the pod behind it and its zone (null
 * when not known), and its state.
 *
 * @param identity the SPIFFE ID of the Outrigger sidecar in its pod, which is then reached with
 *                 mutual TLS; null for a pod that runs none
 * @param local    whether locality prefers it: in this pod's zone, or hinted for it
 */
public record EndpointInfo(InetSocketAddress address, String pod, String zone, State state, String identity, boolean local) {

    public EndpointInfo(InetSocketAddress address, String pod, String zone, State state) {
        this(address, pod, zone, state, null, false);
    }

    /** Which endpoints take traffic: ready ones; serving and terminating ones only when no ready one is left. */
    public enum State { READY, TERMINATING }
}
