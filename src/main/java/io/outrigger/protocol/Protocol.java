package io.outrigger.protocol;

import java.util.Locale;

/** What a port speaks, as configured per port ({@code inbound.ports}, {@code outbound.ports}). */
public enum Protocol {
    /** Sniff the first bytes; nothing within the detection timeout means TCP (a server-first protocol). */
    AUTO,
    /** HTTP/1.x, routed. */
    HTTP,
    /** HTTP/2 (gRPC included). Relayed as TCP until HTTP/2 is routed: it works, with TCP metrics only. */
    HTTP2,
    /** Opaque bytes, relayed both ways. */
    TCP;

    /** The protocol a config value names, or null when it names none. */
    public static Protocol fromName(String name) {
        if (name == null) {
            return null;
        }
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "auto" -> AUTO;
            case "http" -> HTTP;
            case "http2", "grpc" -> HTTP2;
            case "tcp" -> TCP;
            default -> null;
        };
    }
}
