package io.outrigger.upstream;

import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.IntFunction;

/**
 * One endpoint's connection pools, one per event loop, and what they hold summed over the loops.
 * A loop's pool is made when that loop first asks for it: with discovery a sidecar knows thousands
 * of endpoints, and most are never called from most loops.
 */
public final class EndpointConnections {

    /** Connections (HTTP/2: streams) in use, idle connections, and requests waiting. */
    public record Counts(int active, int idle, int pending) {
    }

    private static final int OPEN = 0;
    private static final int RETIRED = 1;
    private static final int CLOSED = 2;

    private final AtomicReferenceArray<ConnectionPool> pools;
    private final IntFunction<ConnectionPool> newPool;
    private final AtomicReferenceArray<Http2Pool> http2Pools;
    private final IntFunction<Http2Pool> newHttp2Pool;
    private final java.util.concurrent.atomic.AtomicInteger state = new java.util.concurrent.atomic.AtomicInteger(OPEN);

    EndpointConnections(int loops, IntFunction<ConnectionPool> newPool, IntFunction<Http2Pool> newHttp2Pool) {
        this.pools = new AtomicReferenceArray<>(loops);
        this.newPool = newPool;
        this.http2Pools = new AtomicReferenceArray<>(loops);
        this.newHttp2Pool = newHttp2Pool;
    }

    /** The HTTP/2 pool of event loop {@code loop}, made on first use like the HTTP/1.1 one. */
    public Http2Pool http2Pool(int loop) {
        Http2Pool pool = http2Pools.get(loop);
        if (pool != null) {
            return pool;
        }
        Http2Pool made = newHttp2Pool.apply(loop);
        if (!http2Pools.compareAndSet(loop, null, made)) {
            return http2Pools.get(loop);
        }
        int now = state.get();
        if (now == RETIRED) {
            made.retire();
        } else if (now == CLOSED) {
            made.close();
        }
        return made;
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
            Http2Pool http2 = http2Pools.get(i);
            if (http2 != null) {
                active += http2.active();
                idle += http2.idle();
                pending += http2.pending();
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
            Http2Pool http2 = http2Pools.get(i);
            if (http2 != null) {
                http2.retire();
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
            Http2Pool http2 = http2Pools.get(i);
            if (http2 != null) {
                http2.close();
            }
        }
    }
}
