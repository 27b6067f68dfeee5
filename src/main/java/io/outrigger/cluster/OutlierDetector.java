package io.outrigger.cluster;

import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster's outlier detection, after Envoy's: an endpoint that answers with too many errors in
 * a row is ejected, so the balancer passes it by, for the base ejection time times the number of
 * times it has been ejected; never more than the maximum share of the cluster at once (though one
 * endpoint always may be). Ejections end, and the multiplier of healthy endpoints winds down, at
 * each review interval. The per-endpoint counts are updated on the event loops without locks; an
 * ejection itself is rare and takes this detector's lock.
 */
final class OutlierDetector {

    private static final Logger log = LoggerFactory.getLogger(OutlierDetector.class);

    private final String cluster;
    private final OutlierPolicy config;
    private final Supplier<List<Endpoint>> endpoints;
    private final ScheduledFuture<?> review;
    private volatile int ejected;

    OutlierDetector(String cluster, OutlierPolicy config, Supplier<List<Endpoint>> endpoints,
            ScheduledExecutorService scheduler) {
        this.cluster = cluster;
        this.config = config;
        this.endpoints = endpoints;
        long every = config.interval().toMillis();
        this.review = scheduler.scheduleWithFixedDelay(this::review, every, every, TimeUnit.MILLISECONDS);
    }

    /** Whether any endpoint is ejected now: when not, picking needs no filtering. */
    boolean anyEjected() {
        return ejected > 0;
    }

    /**
     * Counts one answer of {@code endpoint}: a status, or 503 for a connection that failed or was
     * reset. Returns true when this answer ejected it.
     */
    boolean observe(Endpoint endpoint, int status) {
        Endpoint.Outlier state = endpoint.outlier();
        if (status < 500) {
            state.consecutive5xx.set(0);
            state.consecutiveGateway.set(0);
            return false;
        }
        int errors = state.consecutive5xx.incrementAndGet();
        int gateway = status >= 502 && status <= 504 ? state.consecutiveGateway.incrementAndGet() : resetGateway(state);
        boolean trip = config.consecutive5xx() > 0 && errors >= config.consecutive5xx()
                || config.consecutiveGatewayErrors() > 0 && gateway >= config.consecutiveGatewayErrors();
        return trip && !state.isEjected() && eject(endpoint);
    }

    private static int resetGateway(Endpoint.Outlier state) {
        state.consecutiveGateway.set(0);
        return 0;
    }

    private synchronized boolean eject(Endpoint endpoint) {
        Endpoint.Outlier state = endpoint.outlier();
        if (state.isEjected()) {
            return false;
        }
        List<Endpoint> all = endpoints.get();
        int limit = Math.max(1, all.size() * config.maxEjectionPercent() / 100);
        int now = (int) all.stream().filter(e -> e.outlier().isEjected()).count();
        if (now >= limit) {
            log.warn("cluster {}: {} would be ejected, but {} of {} endpoints already are (max-ejection-percent {})",
                    cluster, endpoint, now, all.size(), config.maxEjectionPercent());
            return false;
        }
        int times = ++state.ejections;
        long length = config.baseEjectionTime().toMillis() * times;
        state.ejectedUntil = System.currentTimeMillis() + length;
        state.consecutive5xx.set(0);
        state.consecutiveGateway.set(0);
        ejected = now + 1;
        log.warn("cluster {}: endpoint {} ejected for {} ms (ejection {} of it) after consecutive errors", cluster, endpoint, length, times);
        return true;
    }

    /** Ends ejections whose time is up; winds down the multiplier of endpoints that stayed healthy. */
    synchronized void review() {
        long now = System.currentTimeMillis();
        int still = 0;
        for (Endpoint endpoint : endpoints.get()) {
            Endpoint.Outlier state = endpoint.outlier();
            if (state.ejectedUntil != 0 && now >= state.ejectedUntil) {
                state.ejectedUntil = 0;
                log.info("cluster {}: endpoint {} returns after its ejection", cluster, endpoint);
            } else if (state.isEjected()) {
                still++;
            } else if (state.ejections > 0 && state.consecutive5xx.get() == 0) {
                state.ejections--;
            }
        }
        ejected = still;
    }

    void close() {
        review.cancel(false);
    }
}
