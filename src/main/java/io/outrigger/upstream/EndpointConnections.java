package io.outrigger.upstream;

/** One endpoint's connection pools, one per event loop, and what they hold summed over the loops. */
public final class EndpointConnections {

    /** Connections in use, idle, and requests waiting for one. */
    public record Counts(int active, int idle, int pending) {
    }

    private final ConnectionPool[] pools;

    EndpointConnections(ConnectionPool[] pools) {
        this.pools = pools;
    }

    /** The pool of event loop {@code loop}. */
    public ConnectionPool pool(int loop) {
        return pools[loop];
    }

    public Counts counts() {
        int active = 0;
        int idle = 0;
        int pending = 0;
        for (ConnectionPool pool : pools) {
            active += pool.active();
            idle += pool.idle();
            pending += pool.pending();
        }
        return new Counts(active, idle, pending);
    }

    /** See {@link ConnectionPool#retire()}. */
    public void retire() {
        for (ConnectionPool pool : pools) {
            pool.retire();
        }
    }

    /** See {@link ConnectionPool#close()}. */
    public void close() {
        for (ConnectionPool pool : pools) {
            pool.close();
        }
    }
}
