package io.outrigger.cluster;

import java.util.Locale;

import io.outrigger.common.Problems;

/**
 * Which HTTP version a cluster's requests take upstream: its {@code protocol} ({@code auto},
 * {@code http1} or {@code http2}) and {@code h2-upgrade} (Istio's {@code h2UpgradePolicy}).
 */
public record UpstreamProtocol(Kind kind, boolean h2Upgrade) {

    public enum Kind {
        /** What the client spoke (HTTP/2 stays HTTP/2 unless its port says {@code http}). */
        AUTO,
        /** HTTP/1.1 always. */
        HTTP1,
        /** HTTP/2 always: with prior knowledge, or inside the connection's TLS. */
        HTTP2
    }

    public static final UpstreamProtocol DEFAULT = new UpstreamProtocol(Kind.AUTO, false);

    static UpstreamProtocol compile(String protocol, boolean h2Upgrade, String path, Problems problems) {
        Kind kind = switch (protocol == null ? "auto" : protocol.toLowerCase(Locale.ROOT)) {
            case "auto" -> Kind.AUTO;
            case "http1" -> Kind.HTTP1;
            case "http2" -> Kind.HTTP2;
            default -> {
                problems.add(path + ".protocol", "must be auto, http1 or http2, was '" + protocol + "'");
                yield Kind.AUTO;
            }
        };
        return new UpstreamProtocol(kind, h2Upgrade);
    }

    /**
     * Whether one request goes upstream as HTTP/2.
     *
     * @param hopHttp2    what {@code auto} would do: the client spoke HTTP/2, and its port did not say {@code http}
     * @param sidecarPeer the endpoint is reached over mTLS to an Outrigger sidecar, which {@code h2-upgrade} needs
     * @param upgrade     the request asks for a WebSocket, which only HTTP/1.1 carries
     */
    public boolean http2(boolean hopHttp2, boolean sidecarPeer, boolean upgrade) {
        if (upgrade) {
            return false;
        }
        return switch (kind) {
            case HTTP1 -> false;
            case HTTP2 -> true;
            case AUTO -> hopHttp2 || h2Upgrade && sidecarPeer;
        };
    }
}
