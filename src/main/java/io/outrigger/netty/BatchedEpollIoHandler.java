package io.outrigger.netty;

import java.io.UncheckedIOException;
import java.util.ArrayDeque;

import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoOps;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.util.concurrent.ThreadAwareExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Netty's epoll handler, with each connection's interest changes applied once, just before the
 * loop waits for events, instead of one {@code epoll_ctl} per change.
 *
 * <p>Why: Reactor Netty turns a connection's auto-read off when it starts a request's exchange and
 * on again once the request is read (and likewise for each response on a pooled upstream
 * connection). On a keep-alive connection both changes usually fall in the same pass of the loop,
 * yet each was a system call: four per proxied request, half of all the proxy's system calls.
 *
 * <p>Why it is safe: Netty 4.2's epoll channels are level-triggered, so {@code epoll_wait} reports
 * readiness from the interest set as it stands when the loop waits, and that is the set applied
 * here. Changes made while the loop processes events could not affect those events either way:
 * they were already returned by the kernel. A connection's first submission (its
 * {@code EPOLL_CTL_ADD}) and any made from another thread go through at once, as before.
 */
final class BatchedEpollIoHandler implements IoHandler {

    private static final Logger log = LoggerFactory.getLogger(BatchedEpollIoHandler.class);

    private final IoHandler epoll;
    private final ThreadAwareExecutor executor;
    /** Registrations with an interest change not yet given to epoll; touched by the loop only. */
    private final ArrayDeque<Registration> pending = new ArrayDeque<>();

    private BatchedEpollIoHandler(IoHandler epoll, ThreadAwareExecutor executor) {
        this.epoll = epoll;
        this.executor = executor;
    }

    static IoHandlerFactory factory() {
        IoHandlerFactory epoll = EpollIoHandler.newFactory();
        return executor -> new BatchedEpollIoHandler(epoll.newHandler(executor), executor);
    }

    @Override
    public int run(IoHandlerContext context) {
        Registration registration;
        while ((registration = pending.poll()) != null) {
            registration.apply();
        }
        return epoll.run(context);
    }

    @Override
    public IoRegistration register(IoHandle handle) throws Exception {
        return new Registration(epoll.register(handle), handle);
    }

    @Override
    public void initialize() {
        epoll.initialize();
    }

    @Override
    public void prepareToDestroy() {
        epoll.prepareToDestroy();
    }

    @Override
    public void destroy() {
        epoll.destroy();
    }

    @Override
    public void wakeup() {
        epoll.wakeup();
    }

    @Override
    public boolean isCompatible(Class<? extends IoHandle> handleType) {
        return epoll.isCompatible(handleType);
    }

    private final class Registration implements IoRegistration {

        private final IoRegistration epollRegistration;
        private final IoHandle handle;
        private boolean added;
        /** The interest set epoll has. */
        private int applied;
        /** The interest set to give epoll before the next wait; null when it has it already. */
        private EpollIoOps wanted;

        Registration(IoRegistration epollRegistration, IoHandle handle) {
            this.epollRegistration = epollRegistration;
            this.handle = handle;
        }

        @Override
        public long submit(IoOps ops) {
            EpollIoOps epollOps = (EpollIoOps) ops;
            if (!added || !executor.isExecutorThread(Thread.currentThread())) {
                wanted = null;
                long result = epollRegistration.submit(epollOps);
                applied = epollOps.value();
                added = true;
                return result;
            }
            if (wanted == null) {
                pending.add(this);
            }
            wanted = epollOps;
            return epollOps.value();
        }

        void apply() {
            EpollIoOps ops = wanted;
            wanted = null;
            if (ops == null || ops.value() == applied || !epollRegistration.isValid()) {
                return;
            }
            try {
                epollRegistration.submit(ops);
                applied = ops.value();
            } catch (UncheckedIOException e) {
                // What Netty does when a change it made itself fails: the descriptor is unusable.
                log.warn("epoll_ctl failed for {}; closing it", handle, e);
                try {
                    handle.close();
                } catch (Exception closeFailure) {
                    e.addSuppressed(closeFailure);
                }
            }
        }

        @Override
        public <T> T attachment() {
            return epollRegistration.attachment();
        }

        @Override
        public boolean isValid() {
            return epollRegistration.isValid();
        }

        @Override
        public boolean cancel() {
            wanted = null;
            return epollRegistration.cancel();
        }
    }
}
