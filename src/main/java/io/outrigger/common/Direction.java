package io.outrigger.common;

/** Which side of the pod a request travels: into the application, or out of it. */
public enum Direction {
    /** From a peer to the local application, through port 15006. */
    INBOUND,
    /** From the local application to the world, through port 15001. */
    OUTBOUND
}
