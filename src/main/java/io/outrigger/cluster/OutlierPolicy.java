package io.outrigger.cluster;

import java.time.Duration;

import io.outrigger.common.Problems;
import io.outrigger.config.OutriggerProperties;

/**
 * A cluster's compiled outlier detection (see {@link OutlierDetector}); a field of 0 turns that
 * way of ejecting off.
 */
public record OutlierPolicy(int consecutive5xx, int consecutiveGatewayErrors, Duration interval,
        Duration baseEjectionTime, int maxEjectionPercent) {

    /** The policy of {@code settings} at {@code path}, or null when it is unset (off) or has problems. */
    static OutlierPolicy compile(OutriggerProperties.OutlierDetection settings, String path, Problems problems) {
        if (settings == null) {
            return null;
        }
        int before = problems.count();
        problems.atLeast(path + ".consecutive-5xx", settings.consecutive5xx(), 0, "must not be negative");
        problems.atLeast(path + ".consecutive-gateway-errors", settings.consecutiveGatewayErrors(), 0, "must not be negative");
        if (settings.consecutive5xx() == 0 && settings.consecutiveGatewayErrors() == 0) {
            problems.add(path, "consecutive-5xx or consecutive-gateway-errors must be above 0, or nothing is ever ejected");
        }
        problems.positive(path + ".interval", settings.interval());
        problems.positive(path + ".base-ejection-time", settings.baseEjectionTime());
        if (settings.maxEjectionPercent() < 0 || settings.maxEjectionPercent() > 100) {
            problems.add(path + ".max-ejection-percent", "must be 0 to 100, was " + settings.maxEjectionPercent());
        }
        return problems.count() > before ? null : new OutlierPolicy(settings.consecutive5xx(),
                settings.consecutiveGatewayErrors(), settings.interval(), settings.baseEjectionTime(), settings.maxEjectionPercent());
    }
}
