package io.outrigger.snapshot;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import io.outrigger.common.Direction;
import io.outrigger.common.Problems;
import io.outrigger.config.OutriggerProperties;
import io.outrigger.protocol.PortProtocols;
import io.outrigger.protocol.Protocol;
import io.outrigger.tls.TlsMode;

/**
 * One listener, compiled: its port and limits, how long to wait for a connection's first bytes,
 * and per destination (outbound) or application (inbound) port the protocol and TLS mode.
 *
 * @param tlsMode the listener's TLS mode; inbound only (outbound: {@link TlsMode#DISABLE})
 */
public record ListenerPlan(int port, OutriggerProperties.Limits limits, Duration detectionTimeout,
        PortProtocols protocols, TlsMode tlsMode, Map<Integer, TlsMode> portTlsModes) {

    /** The TLS mode of connections to {@code port}: the port's own, else the listener's. */
    public TlsMode tlsMode(int port) {
        TlsMode own = portTlsModes.get(port);
        return own != null ? own : tlsMode;
    }

    /**
     * The plan of {@code direction}'s listener in {@code settings}, problems ignored: for the
     * listeners, which come up and serve even while no valid config has been applied.
     */
    public static ListenerPlan fallback(OutriggerProperties settings, Direction direction) {
        Problems ignored = new Problems();
        return direction == Direction.INBOUND
                ? inbound(settings.inbound(), settings.tls().configured(), ignored)
                : outbound(settings.outbound(), ignored);
    }

    static ListenerPlan inbound(OutriggerProperties.Inbound settings, boolean identity, Problems problems) {
        String path = "outrigger.inbound";
        limits(settings.port(), settings.limits(), path, problems);
        TlsMode mode = TlsMode.compile(settings.tlsMode(), identity, path + ".tls-mode", problems);
        return ports(settings.port(), settings.limits(), settings.protocolDetectionTimeout(), settings.ports(), mode,
                true, identity, path, problems);
    }

    static ListenerPlan outbound(OutriggerProperties.Outbound settings, Problems problems) {
        String path = "outrigger.outbound";
        limits(settings.port(), settings.limits(), path, problems);
        return ports(settings.port(), settings.limits(), settings.protocolDetectionTimeout(), settings.ports(),
                TlsMode.DISABLE, false, false, path, problems);
    }

    private static void limits(int port, OutriggerProperties.Limits limits, String path, Problems problems) {
        problems.port(path + ".port", port, true);
        problems.positive(path + ".limits.idle-timeout", limits.idleTimeout());
        problems.positive(path + ".limits.tcp-idle-timeout", limits.tcpIdleTimeout());
        problems.positive(path + ".limits.stream-idle-timeout", limits.streamIdleTimeout());
        problems.positive(path + ".limits.request-headers-timeout", limits.requestHeadersTimeout());
        problems.atLeast(path + ".limits.max-connections", limits.maxConnections(), 1, "must be at least 1");
        problems.atLeast(path + ".limits.max-request-headers-size", limits.maxRequestHeadersSize().toBytes(), 1024,
                "must be at least 1KB");
        problems.atLeast(path + ".limits.max-initial-line-length", limits.maxInitialLineLength().toBytes(), 256,
                "must be at least 256B");
    }

    private static ListenerPlan ports(int port, OutriggerProperties.Limits limits, Duration detection,
            Map<String, OutriggerProperties.Port> ports, TlsMode mode, boolean inbound, boolean identity, String path,
            Problems problems) {
        problems.positive(path + ".protocol-detection-timeout", detection);
        Map<Integer, Protocol> protocols = new HashMap<>();
        Map<Integer, TlsMode> tlsModes = new HashMap<>();
        ports.forEach((key, settings) -> {
            String at = path + ".ports." + key;
            int number = parsePort(key);
            if (number < 1 || number > 65535) {
                problems.add(at, "'" + key + "' is not a TCP port");
            }
            Protocol protocol = Protocol.fromName(settings.protocol());
            if (protocol == null) {
                problems.add(at + ".protocol", "must be auto, http, http2 or tcp, was '" + settings.protocol() + "'");
            } else {
                protocols.put(number, protocol);
            }
            if (inbound && settings.tlsMode() != null) {
                tlsModes.put(number, TlsMode.compile(settings.tlsMode(), identity, at + ".tls-mode", problems));
            }
        });
        return new ListenerPlan(port, limits, detection, PortProtocols.of(protocols), mode, Map.copyOf(tlsModes));
    }

    private static int parsePort(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
