package io.outrigger.pipeline.retry;

import java.time.Duration;
import java.util.function.LongUnaryOperator;

/**
 * Exponential backoff with full jitter, as Envoy's retry back-off: the wait before retry
 * {@code n} (from 1) is uniformly random in {@code [0, min(cap, base * 2^(n-1))]}, which spreads
 * the retries of many clients instead of synchronising them.
 */
public final class Backoff {

    public static final Backoff DEFAULT = new Backoff(Duration.ofMillis(25), Duration.ofMillis(250));

    private final long baseNanos;
    private final long capNanos;

    public Backoff(Duration base, Duration cap) {
        this.baseNanos = base.toNanos();
        this.capNanos = cap.toNanos();
    }

    /** The delay before retry {@code retry}, with {@code random} giving a value in {@code [0, bound)}. */
    public Duration delay(int retry, LongUnaryOperator random) {
        long ceiling = baseNanos << Math.min(retry - 1, 20);
        if (ceiling <= 0 || ceiling > capNanos) {
            ceiling = capNanos;
        }
        return Duration.ofNanos(random.applyAsLong(ceiling + 1));
    }
}
