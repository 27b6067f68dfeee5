package io.outrigger.listener;

import java.time.Duration;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * Drains the sidecar and then ends the process with status 0, on SIGTERM or on
 * {@code POST /actuator/drain}: readiness goes DOWN at once, the inbound listener stops taking
 * connections and lets requests in flight finish, the outbound listener keeps serving the
 * application until the process exits. Happens once, whichever asks first.
 */
public final class Drainer {

    private static final Logger log = LoggerFactory.getLogger(Drainer.class);

    private static final long MIN_DRAIN_MILLIS = 300;

    private final ListenerManager listeners;
    private final Supplier<Duration> timeout;
    private final Runnable exit;
    private volatile Thread draining;

    /** {@code exit} ends the process once the inbound side is drained. */
    public Drainer(ListenerManager listeners, Supplier<Duration> timeout, Runnable exit) {
        this.listeners = listeners;
        this.timeout = timeout;
        this.exit = exit;
    }

    /** Starts draining on a thread of its own; false if it had already started. */
    public synchronized boolean start(String reason) {
        if (draining != null) {
            return false;
        }
        log.info("drain requested by {}", reason);
        listeners.startDraining(); // readiness DOWN before this call returns
        long started = System.nanoTime();
        draining = Thread.ofPlatform().name("outrigger-drain").start(() -> {
            try {
                listeners.drainInbound(timeout.get());
                // Give the management port a moment to answer the request that asked for the drain.
                long waited = (System.nanoTime() - started) / 1_000_000;
                Thread.sleep(Math.max(0, MIN_DRAIN_MILLIS - waited));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exit.run();
        });
        return true;
    }

    public boolean started() {
        return draining != null;
    }

    /**
     * Takes over SIGTERM, so the process drains and then exits 0 (the JVM's own handling would
     * exit 143 without waiting for inbound requests).
     */
    public void handleSigterm() {
        Signal.handle(new Signal("TERM"), signal -> start("SIGTERM"));
    }
}
