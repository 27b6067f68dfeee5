package io.outrigger.netty;

import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocalThread;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.NonBlocking;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.resources.LoopResources;

/**
 * The event loops every listener and upstream client runs on, numbered. A request is served
 * entirely by the loop that accepted its connection: its upstream connections come from that
 * loop's own pools (see the cluster package) and its timers fire on it, so no request changes
 * thread, and a request's state needs no locks.
 *
 * <p>The loops are epoll loops whose interest changes are batched (see
 * {@link BatchedEpollIoHandler}); without native epoll they fall back to NIO, as Reactor Netty's
 * own loops would.
 */
public final class EventLoops {

    private final LoopResources resources;
    private final EventLoop[] loops;
    private final Scheduler[] schedulers;
    private final Map<EventLoop, Integer> indexes;
    private final boolean epoll = Epoll.isAvailable();

    public EventLoops(int threads) {
        IoHandlerFactory io = epoll ? BatchedEpollIoHandler.factory() : NioIoHandler.newFactory();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads, new LoopThreads(), io);
        this.resources = new Resources(group);
        List<EventLoop> found = new ArrayList<>();
        for (EventExecutor executor : group) {
            found.add((EventLoop) executor);
        }
        this.loops = found.toArray(EventLoop[]::new);
        this.schedulers = new Scheduler[loops.length];
        Map<EventLoop, Integer> byLoop = new IdentityHashMap<>();
        for (int i = 0; i < loops.length; i++) {
            schedulers[i] = Schedulers.fromExecutorService(loops[i], "outrigger-loop-" + i);
            byLoop.put(loops[i], i);
        }
        this.indexes = byLoop;
    }

    /** For listeners: the same loops, so accepted connections land on one of these. */
    public LoopResources resources() {
        return resources;
    }

    /** The socket channel type that runs on these loops: epoll's, or NIO's where epoll is missing. */
    public Class<? extends SocketChannel> socketChannelType() {
        return epoll ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    public int size() {
        return loops.length;
    }

    public EventLoop loop(int index) {
        return loops[index];
    }

    /** The number of {@code loop}, one of this set's loops. */
    public int indexOf(EventLoop loop) {
        Integer index = indexes.get(loop);
        if (index == null) {
            throw new IllegalArgumentException(loop + " is not one of Outrigger's event loops");
        }
        return index;
    }

    /** Timers on loop {@code index}. */
    public Scheduler scheduler(int index) {
        return schedulers[index];
    }

    public void dispose() {
        resources.disposeLater().block();
    }

    /** Reactor Netty's view of the loops: servers and clients alike run on them. */
    private record Resources(EventLoopGroup group) implements LoopResources {

        @Override
        public EventLoopGroup onServer(boolean useNative) {
            return group;
        }

        @Override
        public boolean daemon() {
            return true;
        }

        @Override
        public Mono<Void> disposeLater(Duration quietPeriod, Duration timeout) {
            return Mono.create(sink -> group.shutdownGracefully(quietPeriod.toMillis(), timeout.toMillis(),
                    TimeUnit.MILLISECONDS).addListener(done -> {
                        if (done.isSuccess()) {
                            sink.success();
                        } else {
                            sink.error(done.cause());
                        }
                    }));
        }
    }

    /**
     * Daemon threads that Reactor knows as non-blocking, as its own loops are: a blocking call
     * such as {@code block()} made on one fails at once instead of stalling every connection the
     * loop serves.
     */
    private static final class LoopThreads implements ThreadFactory {

        private final AtomicInteger count = new AtomicInteger();

        @Override
        public Thread newThread(Runnable task) {
            Thread thread = new LoopThread(task);
            thread.setName("outrigger-epoll-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        }
    }

    private static final class LoopThread extends FastThreadLocalThread implements NonBlocking {

        LoopThread(Runnable task) {
            super(task);
        }
    }
}
