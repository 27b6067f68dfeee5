package io.outrigger.upstream;

/**
 * Where a request gets its {@link UpstreamConnection}: an HTTP/1.1 {@link ConnectionPool} (a
 * connection of its own) or an {@link Http2Pool} (a stream on a shared connection).
 */
public interface ConnectionSource {

    /** Tells {@code waiter}, exactly once and on the source's event loop, what it got. */
    void acquire(ConnectionPool.Waiter waiter);

    /** Takes a waiter out of line (its request was cancelled); one already served is not affected. */
    void cancel(ConnectionPool.Waiter waiter);
}
