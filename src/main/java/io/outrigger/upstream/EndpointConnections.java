package io.outrigger.upstream;

import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.IntFunction;

/**
 * One endpoint's connection pools, one per event loop, and what they hold summed over the loops.
 * A loop's pool is made when that loop first asks for it: with discovery a sidecar knows thousands
 * of endpoints, and most are never called from most loops.
 */
public final class EndpointConnections {

    /** Connections in use, idle, and requests waiting for one. */
    public record Counts(int active, int idle, int pending) {
    }

    private static final int OPEN = 0;
    private static final int RETIRED = 1;
    private static final int CLOSED = 2;

    private final AtomicReferenceArray<ConnectionPool> pools;
    private final IntFunction<ConnectionPool> newPool;
    private final java.util.concurrent.atomic.AtomicInteger state = new java.util.concurrent.atomic.AtomicInteger(OPEN);

    EndpointConnections(int loops, IntFunction<ConnectionPool> newPool) {
        this.pools = new AtomicReferenceArray<>(loops);
        this.newPool = newPool;
    }

    /** The pool of event loop {@code loop}. */
    public ConnectionPool pool(int loop) {
        ConnectionPool pool = pools.get(loop);
        if (pool != null) {
            return pool;
        }
        ConnectionPool made = newPool.apply(loop);
        if (!pools.compareAndSet(loop, null, made)) {
            return pools.get(loop);
        }
        // Retired or closed while it was made: it serves this request, then ends as the others did.
        int now = state.get();
        if (now == RETIRED) {
            made.retire();
        } else if (now == CLOSED) {
            made.close();
        }
        return made;
    }

    /** Moves the state forward only: a retire after a close leaves it closed. */
    private void advance(int to) {
        state.accumulateAndGet(to, Math::max);
    }

    public Counts counts() {
        int active = 0;
        int idle = 0;
        int pending = 0;
        for (int i = 0; i < pools.length(); i++) {
            ConnectionPool pool = pools.get(i);
            if (pool != null) {
                active += pool.active();
                idle += pool.idle();
                pending += pool.pending();
            }
        }
        return new Counts(active, idle, pending);
    }

    /** See {@link ConnectionPool#retire()}. */
    public void retire() {
        advance(RETIRED);
        for (int i = 0; i < pools.length(); i++) {
            ConnectionPool pool = pools.get(i);
            if (pool != null) {
                pool.retire();
            }
        }
    }

    /** See {@link ConnectionPool#close()}. */
    public void close() {
        advance(CLOSED);
        for (int i = 0; i < pools.length(); i++) {
            ConnectionPool pool = pools.get(i);
            if (pool != null) {
                pool.close();
            }
        }
    }
}
