package io.outrigger.telemetry;

import io.outrigger.common.Problems;
import io.outrigger.config.OutriggerProperties;

/** How the access log writes a line, or that it writes none ({@code access-log.enabled: false}). */
public enum LogFormat {
    OFF, TEXT, JSON;

    /** The format {@code outrigger.access-log} asks for; TEXT, with a problem reported, for an unknown one. */
    public static LogFormat compile(OutriggerProperties.AccessLog settings, Problems problems) {
        LogFormat format = switch (settings.format()) {
            case "text" -> TEXT;
            case "json" -> JSON;
            default -> {
                problems.add("outrigger.access-log.format", "must be text or json, was '" + settings.format() + "'");
                yield TEXT;
            }
        };
        return settings.enabled() ? format : OFF;
    }
}
