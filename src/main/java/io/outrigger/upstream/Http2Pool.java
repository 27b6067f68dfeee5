package io.outrigger.upstream;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

import io.netty.channel.EventLoop;

/**
 * The HTTP/2 connections of one event loop to one endpoint: a request takes a stream on the
 * first connection with room (fewer open streams than the peer's
 * {@code SETTINGS_MAX_CONCURRENT_STREAMS}, and no {@code GOAWAY} received), else a new connection
 * is opened while under {@code max-connections}, else it waits in line up to {@code max-pending}
 * for a stream to end, else it is refused at once. Connections with no stream close after the
 * idle timeout. Like {@link ConnectionPool}, everything runs on the pool's event loop.
 */
public final class Http2Pool implements ConnectionSource, LoopPool {

    private enum State { OPEN, RETIRING, CLOSED }

    private final EventLoop loop;
    private final InetSocketAddress address;
    private final Connector connector;
    private final PoolLimits limits;
    private final List<Http2Connection> connections = new ArrayList<>(1);
    private final WaitingLine waiting;
    private int connecting;
    private State state = State.OPEN;
    private volatile int activeView;
    private volatile int idleView;
    private volatile int pendingView;

    Http2Pool(EventLoop loop, InetSocketAddress address, Connector connector, PoolLimits limits) {
        this.loop = loop;
        this.address = address;
        this.connector = connector;
        this.limits = limits;
        this.waiting = new WaitingLine(loop);
    }

    @Override
    public void acquire(ConnectionPool.Waiter waiter) {
        if (!loop.inEventLoop()) {
            loop.execute(() -> acquire(waiter));
            return;
        }
        if (state == State.CLOSED) {
            waiter.failed(closedError());
            return;
        }
        Http2Connection connection = withRoom();
        if (connection != null) {
            connection.openStream(waiter);
        } else if (connecting > 0 && waiting.size() < limits.maxPending()) {
            waiting.add(waiter, this::waitedTooLong);   // the connection on its way will have room
        } else if (connections.size() + connecting < limits.maxConnections()) {
            connect(waiter);
        } else if (waiting.size() < limits.maxPending()) {
            // A connection on its way, or every one full: the next stream to end or the connection made serves it.
            waiting.add(waiter, this::waitedTooLong);
        } else {
            waiter.failed(new UpstreamException(UpstreamException.Kind.POOL_OVERFLOW,
                    "upstream connection pool overflow", null));
        }
        publish();
    }

    @Override
    public void cancel(ConnectionPool.Waiter waiter) {
        if (!loop.inEventLoop()) {
            loop.execute(() -> cancel(waiter));
            return;
        }
        if (waiting.remove(waiter)) {
            publish();
        }
    }

    private Http2Connection withRoom() {
        for (int i = 0; i < connections.size(); i++) {
            Http2Connection connection = connections.get(i);
            if (connection.hasRoom()) {
                return connection;
            }
        }
        return null;
    }

    private void connect(ConnectionPool.Waiter first) {
        connecting++;
        connector.connectHttp2(loop, address, this, (connection, error) -> {
            connecting--;
            if (error != null) {
                first.failed(new UpstreamException(UpstreamException.Kind.CONNECT_FAILED,
                        "upstream connect error: " + error.getMessage(), error));
                serveWaiters();   // those waiting for this connection try a connection of their own
                return;
            }
            if (state == State.CLOSED || !connection.channel().isActive()) {
                connection.close();
                first.failed(state == State.CLOSED ? closedError() : new UpstreamException(
                        UpstreamException.Kind.CONNECT_FAILED, "upstream connect error: closed during set-up", null));
                serveWaiters();
                return;
            }
            connections.add(connection);
            connection.openStream(first);
            serveWaiters();
        });
    }

    /** A stream ended: a waiter may have its place. */
    void streamEnded(Http2Connection connection) {
        if ((state != State.OPEN || connection.goingAway()) && connection.streams() == 0) {
            connection.close();
        }
        serveWaiters();
    }

    /** The connection received GOAWAY: no new stream goes on it; those below its last stream id finish. */
    void goingAway(Http2Connection connection) {
        if (connection.streams() == 0) {
            connection.close();
        }
        serveWaiters();
    }

    void closed(Http2Connection connection) {
        connections.remove(connection);
        serveWaiters();
    }

    /** An idle connection (no stream for the idle timeout) may close. */
    void idle(Http2Connection connection) {
        if (connection.streams() == 0) {
            connection.close();
        }
    }

    private void serveWaiters() {
        ConnectionPool.Waiter next;
        while (!waiting.isEmpty() && state != State.CLOSED) {
            Http2Connection connection = withRoom();
            if (connection == null) {
                if (connecting == 0 && connections.size() < limits.maxConnections() && state != State.CLOSED) {
                    connect(waiting.next());
                }
                break;
            }
            next = waiting.next();
            connection.openStream(next);
        }
        publish();
    }

    private void waitedTooLong(ConnectionPool.Waiter waiter) {
        publish();
        waiter.failed(new UpstreamException(UpstreamException.Kind.POOL_OVERFLOW,
                "upstream connection pool overflow: no stream within 45 s", null));
    }

    /** See {@link ConnectionPool#retire()}: connections close as their last stream ends. */
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

    /** See {@link ConnectionPool#close()}. */
    public void close() {
        if (!loop.inEventLoop()) {
            loop.execute(this::close);
            return;
        }
        state = State.CLOSED;
        closeIdle();
        ConnectionPool.Waiter waiter;
        while ((waiter = waiting.next()) != null) {
            waiter.failed(closedError());
        }
        publish();
    }

    private void closeIdle() {
        for (Http2Connection connection : List.copyOf(connections)) {
            if (connection.streams() == 0) {
                connection.close();
            }
        }
    }

    /** Open streams. */
    public int active() {
        return activeView;
    }

    /** Connections with no stream open. */
    public int idle() {
        return idleView;
    }

    public int pending() {
        return pendingView;
    }

    PoolLimits limits() {
        return limits;
    }

    private void publish() {
        int streams = 0;
        int idle = 0;
        for (int i = 0; i < connections.size(); i++) {
            int open = connections.get(i).streams();
            streams += open;
            idle += open == 0 ? 1 : 0;
        }
        activeView = streams;
        idleView = idle;
        pendingView = waiting.size();
    }

    private static UpstreamException closedError() {
        return new UpstreamException(UpstreamException.Kind.POOL_CLOSED, "the upstream pool was closed", null);
    }
}
