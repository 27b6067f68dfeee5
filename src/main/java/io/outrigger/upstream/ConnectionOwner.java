package io.outrigger.upstream;

/** Where an {@link UpstreamConnection} goes when its exchange ends or its channel closes: a pool, or an HTTP/2 connection's stream count. */
interface ConnectionOwner {

    /** The exchange ended cleanly; {@code reusable} is false when the upstream asked to close. */
    void release(UpstreamConnection connection, boolean reusable);

    /** Its channel closed, whatever the reason. */
    void closed(UpstreamConnection connection);
}
