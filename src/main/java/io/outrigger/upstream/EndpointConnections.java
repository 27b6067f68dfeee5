package io.outrigger.upstream;

import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;
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

    /** The HTTP/1.1 pool of event loop {@code loop}. */
    public ConnectionPool pool(int loop) {
        return lazily(pools, loop, newPool);
    }

    /** The HTTP/2 pool of event loop {@code loop}. */
    public Http2Pool http2Pool(int loop) {
        return lazily(http2Pools, loop, newHttp2Pool);
    }

    private <P extends LoopPool> P lazily(AtomicReferenceArray<P> pools, int loop, IntFunction<P> newPool) {
        P pool = pools.get(loop);
        if (pool != null) {
            return pool;
        }
        P made = newPool.apply(loop);
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
        int[] sums = new int[3];
        forEachPool(pool -> {
            sums[0] += pool.active();
            sums[1] += pool.idle();
            sums[2] += pool.pending();
        });
        return new Counts(sums[0], sums[1], sums[2]);
    }

    /** See {@link ConnectionPool#retire()}. */
    public void retire() {
        advance(RETIRED);
        forEachPool(LoopPool::retire);
    }

    /** See {@link ConnectionPool#close()}. */
    public void close() {
        advance(CLOSED);
        forEachPool(LoopPool::close);
    }

    private void forEachPool(Consumer<LoopPool> action) {
        for (int i = 0; i < pools.length(); i++) {
            LoopPool pool = pools.get(i);
            if (pool != null) {
                action.accept(pool);
            }
            LoopPool http2 = http2Pools.get(i);
            if (http2 != null) {
                action.accept(http2);
            }
        }
    }
}
