package io.outrigger.cluster;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/**
 * Envoy's retry budget (Linkerd has the same idea): at any moment a cluster's retries in
 * progress may be at most 20% of its requests in flight, or 3, whichever is more. A failing
 * upstream then sees a bounded share of extra traffic, never a retry storm on top of its load.
 */
final class RetryBudget {

    static final double PERCENT = 20;
    static final int MIN_CONCURRENCY = 3;

    private final AtomicInteger retrying = new AtomicInteger();
    private final IntSupplier active;

    RetryBudget(IntSupplier active) {
        this.active = active;
    }

    /** Takes a place for one retry in progress, or returns false when the budget is spent. */
    boolean tryAcquire() {
        int allowed = Math.max(MIN_CONCURRENCY, (int) (active.getAsInt() * PERCENT / 100));
        while (true) {
            int now = retrying.get();
            if (now >= allowed) {
                return false;
            }
            if (retrying.compareAndSet(now, now + 1)) {
                return true;
            }
        }
    }

    void release() {
        retrying.decrementAndGet();
    }

    int retrying() {
        return retrying.get();
    }
}
