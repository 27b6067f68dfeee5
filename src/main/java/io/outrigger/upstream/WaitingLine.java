package io.outrigger.upstream;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;

/**
 * The requests waiting for one pool's connection, first come first served, each with a timer
 * that takes it out after {@link #MAX_WAIT_NANOS}: the bound Reactor Netty's pool had, kept so
 * that a request with neither a route nor a per-try timeout never waits forever behind stuck
 * connections. Confined to the pool's event loop.
 */
final class WaitingLine {

    static final long MAX_WAIT_NANOS = TimeUnit.SECONDS.toNanos(45);

    private record Queued(ConnectionPool.Waiter waiter, ScheduledFuture<?> timeout) {
    }

    private final EventLoop loop;
    private final ArrayDeque<Queued> line = new ArrayDeque<>(1);   // usually empty: one per pool, thousands of pools

    WaitingLine(EventLoop loop) {
        this.loop = loop;
    }

    /** Puts {@code waiter} at the end; {@code tooLong} gets it if it is still waiting at its deadline. */
    void add(ConnectionPool.Waiter waiter, Consumer<ConnectionPool.Waiter> tooLong) {
        line.addLast(new Queued(waiter, loop.schedule(() -> {
            if (remove(waiter)) {
                tooLong.accept(waiter);
            }
        }, MAX_WAIT_NANOS, TimeUnit.NANOSECONDS)));
    }

    /** Takes {@code waiter} out of line; false when it was not in it. */
    boolean remove(ConnectionPool.Waiter waiter) {
        for (Iterator<Queued> it = line.iterator(); it.hasNext(); ) {
            Queued queued = it.next();
            if (queued.waiter() == waiter) {
                it.remove();
                queued.timeout().cancel(false);
                return true;
            }
        }
        return false;
    }

    /** The first in line, taken out; null when nobody waits. */
    ConnectionPool.Waiter next() {
        Queued queued = line.pollFirst();
        if (queued == null) {
            return null;
        }
        queued.timeout().cancel(false);
        return queued.waiter();
    }

    boolean isEmpty() {
        return line.isEmpty();
    }

    int size() {
        return line.size();
    }
}
