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

    /**
     * What a Kubernetes Service port declares: its {@code appProtocol} ({@code http},
     * {@code kubernetes.io/h2c}, {@code grpc}, {@code kubernetes.io/ws}, {@code tcp}), failing that
     * its name's prefix (Istio's {@code http-}, {@code http2-}, {@code grpc-}, {@code tcp-}), and
     * otherwise {@link #AUTO}: the first bytes decide.
     */
    public static Protocol ofServicePort(String appProtocol, String name) {
        if (appProtocol != null) {
            Protocol declared = switch (appProtocol.toLowerCase(Locale.ROOT)) {
                case "http", "kubernetes.io/ws" -> HTTP;
                case "kubernetes.io/h2c", "grpc", "http2" -> HTTP2;
                case "tcp" -> TCP;
                default -> null;
            };
            if (declared != null) {
                return declared;
            }
        }
        String prefix = name == null ? "" : name.toLowerCase(Locale.ROOT);
        int dash = prefix.indexOf('-');
        Protocol named = fromName(dash < 0 ? prefix : prefix.substring(0, dash));
        return named == null || named == AUTO ? AUTO : named;
    }

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
