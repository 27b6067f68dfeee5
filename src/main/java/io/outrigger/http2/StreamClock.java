package io.outrigger.http2;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;

/**
 * The stream idle timeout of one HTTP/2 connection (Envoy's {@code stream_idle_timeout}): a
 * stream with no frame either way for that long ends with flag {@code SI}. One timer per
 * connection, not one per stream: a stream only notes the time of its frames, and the timer, set
 * for the earliest deadline, acts on the streams past theirs and sets itself for the next one.
 * On a busy connection it fires about once per timeout. Confined to the connection's event loop.
 */
final class StreamClock implements Runnable {

    /** What the clock watches: a stream's last frame, and what to do when it is too long ago. */
    interface Watched {
        long lastActivity();

        void idle();
    }

    private final long timeoutNanos;
    private final EventExecutor loop;
    private final List<Watched> open = new ArrayList<>();
    private ScheduledFuture<?> timer;

    StreamClock(long timeoutNanos, EventExecutor loop) {
        this.timeoutNanos = timeoutNanos;
        this.loop = loop;
    }

    void opened(Watched stream) {
        open.add(stream);
        if (timer == null) {
            // Every stream open now is at least as recent as the earliest deadline the timer is set for.
            schedule(stream.lastActivity() + timeoutNanos);
        }
    }

    /** The stream ended; the timer is left to run out rather than cancelled, to spare a busy connection the churn. */
    void closed(Watched stream) {
        open.remove(stream);
    }

    /** The connection closed: its timer goes now rather than at its deadline. */
    void stop() {
        open.clear();
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    @Override
    public void run() {
        timer = null;
        long now = System.nanoTime();
        long next = Long.MAX_VALUE;
        for (Watched stream : List.copyOf(open)) {
            long deadline = stream.lastActivity() + timeoutNanos;
            if (deadline - now <= 0) {
                open.remove(stream);
                stream.idle();
            } else if (next == Long.MAX_VALUE || deadline - next < 0) {
                next = deadline;
            }
        }
        if (next != Long.MAX_VALUE) {
            schedule(next);
        }
    }

    private void schedule(long deadline) {
        timer = loop.schedule(this, Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    }
}
