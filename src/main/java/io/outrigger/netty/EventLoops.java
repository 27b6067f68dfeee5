package io.outrigger.netty;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.resources.LoopResources;

/**
 * The event loops every listener and upstream client runs on, numbered. A request is served
 * entirely by the loop that accepted its connection: its upstream connections come from that
 * loop's own pools (see the cluster package) and its timers fire on it, so no request changes
 * thread, and a request's state needs no locks.
 */
public final class EventLoops {

    private final LoopResources resources;
    private final EventLoop[] loops;
    private final Scheduler[] schedulers;
    private final Map<EventLoop, Integer> indexes;

    public EventLoops(int threads) {
        this.resources = LoopResources.create("outrigger", threads, true);
        EventLoopGroup group = resources.onServer(true);
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
}
