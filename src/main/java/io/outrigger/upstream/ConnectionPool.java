package io.outrigger.upstream;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;

/**
 * The HTTP/1.1 connections of one event loop to one endpoint. A request takes the most recently
 * used idle connection (the one least likely to have been closed by the upstream), else a new one
 * while under {@code max-connections}, else waits in line up to {@code max-pending}, else is
 * refused at once. Idle connections close after the idle timeout; a connection past its request
 * count or age is closed instead of reused. Every method runs on the pool's event loop (calls
 * from elsewhere are moved there), so nothing here needs a lock; the counts for the admin
 * endpoint are published as volatile snapshots.
 */
public final class ConnectionPool implements ConnectionSource, ConnectionOwner, LoopPool {

    /** Waits for a connection (an HTTP/2 pool's: a stream); told exactly once, on the pool's loop. */
    public interface Waiter {
        void acquired(UpstreamConnection connection);
        void failed(UpstreamException reason);
    }

    private enum State { OPEN, RETIRING, CLOSED }

    private final EventLoop loop;
    private final InetSocketAddress address;
    private final Connector connector;
    private final PoolLimits limits;
    private final ArrayDeque<UpstreamConnection> idle = new ArrayDeque<>(1);   // most recently used first; small: pools are many
    private final WaitingLine waiting;
    private int open;      // connected or connecting
    private int leased;
    private State state = State.OPEN;
    private ScheduledFuture<?> evictor;
    private long evictAt;
    private volatile int activeView;
    private volatile int idleView;
    private volatile int pendingView;

    ConnectionPool(EventLoop loop, InetSocketAddress address, Connector connector, PoolLimits limits) {
        this.loop = loop;
        this.address = address;
        this.connector = connector;
        this.limits = limits;
        this.waiting = new WaitingLine(loop);
    }

    public EventLoop loop() {
        return loop;
    }

    @Override
    public void acquire(Waiter waiter) {
        if (!loop.inEventLoop()) {
            loop.execute(() -> acquire(waiter));
            return;
        }
        if (state == State.CLOSED) {
            waiter.failed(closedError());
            return;
        }
        long now = System.nanoTime();
        UpstreamConnection connection;
        while ((connection = idle.pollFirst()) != null) {
            if (connection.reusable(now, limits)) {
                lease(connection, waiter);
                return;
            }
            discard(connection);
        }
        if (open < limits.maxConnections()) {
            connect(waiter);
        } else if (waiting.size() < limits.maxPending()) {
            waiting.add(waiter, this::waitedTooLong);
        } else {
            waiter.failed(new UpstreamException(UpstreamException.Kind.POOL_OVERFLOW,
                    "upstream connection pool overflow", null));
        }
        publish();
    }

    @Override
    public void cancel(Waiter waiter) {
        if (!loop.inEventLoop()) {
            loop.execute(() -> cancel(waiter));
            return;
        }
        if (waiting.remove(waiter)) {
            publish();
        }
    }

    private void waitedTooLong(Waiter waiter) {
        publish();
        waiter.failed(new UpstreamException(UpstreamException.Kind.POOL_OVERFLOW,
                "upstream connection pool overflow: no connection within 45 s", null));
    }

    /** Back from a clean exchange: to the next waiter, or to the idle stack (closed if not reusable). */
    @Override
    public void release(UpstreamConnection connection, boolean reusable) {
        if (!connection.leased) {
            return;
        }
        connection.leased = false;
        leased--;
        long now = System.nanoTime();
        if (!reusable || state != State.OPEN || !connection.reusable(now, limits)) {
            discard(connection);
            serveWaiters();
        } else {
            Waiter next = waiting.next();
            if (next != null) {
                lease(connection, next);
                return;
            }
            connection.idleSince(now);
            idle.addFirst(connection);
            scheduleEviction();
        }
        publish();
    }

    @Override
    public void closed(UpstreamConnection connection) {
        idle.remove(connection);
        if (connection.leased) {
            connection.leased = false;
            leased--;
        }
        if (connection.counted) {
            connection.counted = false;
            open--;
        }
        serveWaiters();
        publish();
    }

    /**
     * The endpoint left the cluster: idle connections close now, those in use once their exchange
     * ends; requests that already chose the endpoint are still served.
     */
    public void retire() {
        if (!loop.inEventLoop()) {
            loop.execute(this::retire);
            return;
        }
        if (state == State.OPEN) {
            state = State.RETIRING;
            closeIdle();
        }
    }

    /** The cluster is gone: as {@link #retire()}, and requests still waiting or arriving are refused. */
    public void close() {
        if (!loop.inEventLoop()) {
            loop.execute(this::close);
            return;
        }
        state = State.CLOSED;
        closeIdle();
        Waiter waiter;
        while ((waiter = waiting.next()) != null) {
            waiter.failed(closedError());
        }
        publish();
    }

    /** Connections in use. */
    public int active() {
        return activeView;
    }

    /** Connections open and unused. */
    public int idle() {
        return idleView;
    }

    /** Requests waiting for a connection. */
    public int pending() {
        return pendingView;
    }

    private void lease(UpstreamConnection connection, Waiter waiter) {
        connection.leased = true;
        leased++;
        publish();
        waiter.acquired(connection);
    }

    private void connect(Waiter waiter) {
        open++;
        connector.connect(loop, address, this, (connection, error) -> {
            if (error != null) {
                open--;
                waiter.failed(new UpstreamException(UpstreamException.Kind.CONNECT_FAILED,
                        "upstream connect error: " + error.getMessage(), error));
                serveWaiters();
                publish();
                return;
            }
            connection.counted = true;
            if (!connection.channel().isActive()) {
                // Closed between connecting and now: its close was already seen, uncounted.
                connection.counted = false;
                open--;
                waiter.failed(new UpstreamException(UpstreamException.Kind.CONNECT_FAILED,
                        "upstream connect error: closed during set-up", null));
                serveWaiters();
                publish();
                return;
            }
            if (state == State.CLOSED) {
                discard(connection);
                waiter.failed(closedError());
                publish();
                return;
            }
            lease(connection, waiter);
        });
    }

    /** Opens connections for waiters while the limit allows (after a connection closed or failed). */
    private void serveWaiters() {
        while (!waiting.isEmpty() && open < limits.maxConnections() && state != State.CLOSED) {
            connect(waiting.next());
        }
    }

    /** Closes a connection the pool no longer wants; it stops counting at once. */
    private void discard(UpstreamConnection connection) {
        if (connection.counted) {
            connection.counted = false;
            open--;
        }
        connection.close();
    }

    private void closeIdle() {
        UpstreamConnection connection;
        while ((connection = idle.pollFirst()) != null) {
            discard(connection);
        }
        if (evictor != null) {
            evictor.cancel(false);
            evictor = null;
        }
        publish();
    }

    /** Sets the eviction timer for the earliest idle deadline, or earlier if one came sooner. */
    private void scheduleEviction() {
        if (idle.isEmpty()) {
            return;
        }
        long next = Long.MAX_VALUE;
        for (UpstreamConnection connection : idle) {
            next = Math.min(next, connection.idleDeadline(limits));
        }
        if (evictor != null) {
            if (evictAt - next <= 0) {
                return;
            }
            evictor.cancel(false);
        }
        evictAt = next;
        evictor = loop.schedule(this::evict, Math.max(0, next - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    private void evict() {
        evictor = null;
        long now = System.nanoTime();
        for (Iterator<UpstreamConnection> it = idle.iterator(); it.hasNext(); ) {
            UpstreamConnection connection = it.next();
            if (connection.idleDeadline(limits) - now <= 0) {
                it.remove();
                discard(connection);
            }
        }
        scheduleEviction();
        publish();
    }

    private static UpstreamException closedError() {
        return new UpstreamException(UpstreamException.Kind.POOL_CLOSED, "the upstream pool was closed", null);
    }

    private void publish() {
        activeView = leased;
        idleView = idle.size();
        pendingView = waiting.size();
    }
}
