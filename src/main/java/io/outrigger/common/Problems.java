package io.outrigger.common;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What a compile step found wrong with the settings it was given, each problem naming the
 * property path the user wrote ({@code outrigger.routes[2].route[0].cluster: unknown cluster 'nope'}).
 * Every concern compiles its own part of the config and reports here, so a candidate config is
 * refused whole with every problem listed at once.
 */
public final class Problems {

    private final List<String> list = new ArrayList<>();

    public void add(String path, String message) {
        list.add(path + ": " + message);
    }

    public boolean isEmpty() {
        return list.isEmpty();
    }

    /** How many problems were reported so far: a compile step compares counts to see whether it added any. */
    public int count() {
        return list.size();
    }

    public List<String> list() {
        return List.copyOf(list);
    }

    /** Null is allowed (the setting is optional); zero and negative are not. */
    public void positive(String path, Duration duration) {
        if (duration != null && (duration.isNegative() || duration.isZero())) {
            add(path, "must be a positive duration, was " + duration);
        }
    }

    public void port(String path, int port, boolean zeroAllowed) {
        if (port < (zeroAllowed ? 0 : 1) || port > 65535) {
            add(path, "not a TCP port: " + port);
        }
    }

    public void atLeast(String path, long value, long minimum, String message) {
        if (value < minimum) {
            add(path, message);
        }
    }

    public void percent(String path, double percent) {
        if (!(percent >= 0 && percent <= 100)) {
            add(path, "must be between 0 and 100, was " + percent);
        }
    }
}
