package io.outrigger.testing;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.function.Supplier;

import org.awaitility.core.ConditionTimeoutException;

import static org.awaitility.Awaitility.await;

/** Waits that several tests share. */
public final class Waits {

    private Waits() {
    }

    /**
     * Reads {@code read} every {@code interval} until its value satisfies {@code done}, for at most
     * {@code within}, and returns the last value read whether it did or not: the caller asserts on
     * it, so a value that never came fails with the caller's own message.
     */
    public static <T> T readUntil(Duration within, Duration interval, Supplier<T> read, Predicate<? super T> done) {
        AtomicReference<T> last = new AtomicReference<>(read.get());
        if (done.test(last.get())) {
            return last.get();
        }
        try {
            return await().atMost(within).pollInterval(interval).until(() -> {
                T value = read.get();
                last.set(value);
                return value;
            }, done);
        } catch (ConditionTimeoutException timeout) {
            return last.get();
        }
    }
}
