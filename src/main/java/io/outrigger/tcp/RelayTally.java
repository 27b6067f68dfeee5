package io.outrigger.tcp;

import io.outrigger.common.ResponseFlag;

/**
 * What a {@link Relay} reports as it moves bytes: a TCP session's counts, or those of an HTTP
 * exchange that switched protocols and became a tunnel. Called on the connection's event loop.
 */
public interface RelayTally {

    /** Bytes from the downstream, sent on upstream. */
    void received(int bytes);

    /** Bytes from the upstream, sent on downstream. */
    void sent(int bytes);

    /** Why a side ended early ({@code DC}, {@code UC}). */
    void flag(ResponseFlag flag);

    /** What the relay carries, for debug logs ("outbound tcp connection to 10.0.0.7:5432"). */
    String describe();
}
