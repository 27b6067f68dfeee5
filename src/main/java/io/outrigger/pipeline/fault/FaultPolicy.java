package io.outrigger.pipeline.fault;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

import io.outrigger.config.OutriggerProperties;

/** A route's compiled fault injection: a delay and an abort, each on a percentage of requests. */
public record FaultPolicy(double delayPercent, Duration delay, double abortPercent, int abortStatus) {

    /** The policy for a route, or null when the route injects nothing. */
    public static FaultPolicy compile(OutriggerProperties.Fault fault) {
        if (fault == null || fault.delay() == null && fault.abort() == null) {
            return null;
        }
        OutriggerProperties.Fault.Delay delay = fault.delay();
        OutriggerProperties.Fault.Abort abort = fault.abort();
        return new FaultPolicy(
                delay == null ? 0 : delay.percent(), delay == null ? Duration.ZERO : delay.fixedDelay(),
                abort == null ? 0 : abort.percent(), abort == null ? 0 : abort.httpStatus());
    }

    boolean delayNow() {
        return hit(delayPercent);
    }

    boolean abortNow() {
        return hit(abortPercent);
    }

    private static boolean hit(double percent) {
        return percent >= 100 || percent > 0 && ThreadLocalRandom.current().nextDouble(100) < percent;
    }
}
