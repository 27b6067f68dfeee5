package io.outrigger.cluster;

import java.net.InetSocketAddress;

/**
 * One endpoint as service discovery knows it: where it is, the pod behind it and its zone (null
 * when not known), and its state.
 */
public record EndpointInfo(InetSocketAddress address, String pod, String zone, State state) {

    /** Which endpoints take traffic: ready ones; serving and terminating ones only when no ready one is left. */
    public enum State { READY, TERMINATING }
}
