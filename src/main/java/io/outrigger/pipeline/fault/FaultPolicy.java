package io.outrigger.pipeline.fault;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

import io.outrigger.config.OutriggerProperties;
import io.outrigger.routing.RoutePolicy;

/** A route's compiled fault injection: a delay and an abort, each on a percentage of requests. */
public record FaultPolicy(double delayPercent, Duration delay, double abortPercent, int abortStatus) {

    /** A route's {@code fault}: null when the route injects nothing. */
    public static final RoutePolicy<FaultPolicy> ROUTE = (route, path, problems) -> {
        OutriggerProperties.Fault fault = route.fault();
        if (fault == null) {
            return null;
        }
        String at = path + ".fault";
        int before = problems.count();
        if (fault.delay() != null) {
            problems.percent(at + ".delay.percent", fault.delay().percent());
            if (fault.delay().fixedDelay() == null) {
                problems.add(at + ".delay.fixed-delay", "is required");
            }
            problems.positive(at + ".delay.fixed-delay", fault.delay().fixedDelay());
        }
        if (fault.abort() != null) {
            problems.percent(at + ".abort.percent", fault.abort().percent());
            Integer status = fault.abort().httpStatus();
            if (status == null || status < 200 || status > 599) {
                problems.add(at + ".abort.http-status", "must be an HTTP status from 200 to 599, was " + status);
            }
        }
        return problems.count() > before ? null : compile(fault);
    };

    /** The policy for a checked {@code fault} block, or null when the route injects nothing. */
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
