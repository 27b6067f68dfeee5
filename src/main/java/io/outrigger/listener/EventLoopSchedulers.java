package io.outrigger.listener;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.netty.channel.EventLoop;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * One Reactor {@link Scheduler} per event loop, made once: timers of a request (timeouts,
 * backoff, injected delays) fire on the thread that already owns its connections, so no
 * request hops threads and no lock is taken.
 */
final class EventLoopSchedulers {

    private final Map<EventLoop, Scheduler> schedulers = new ConcurrentHashMap<>();

    Scheduler of(EventLoop loop) {
        Scheduler scheduler = schedulers.get(loop);
        return scheduler != null ? scheduler : schedulers.computeIfAbsent(loop, l -> Schedulers.fromExecutorService(l));
    }
}
