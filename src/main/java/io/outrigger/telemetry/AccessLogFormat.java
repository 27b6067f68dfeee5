package io.outrigger.telemetry;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

import io.outrigger.cluster.Cluster;
import io.outrigger.pipeline.ProxyExchange;
import io.outrigger.routing.Route;
import io.outrigger.tcp.TcpSession;

/**
 * The two access-log formats. Text follows Envoy's default layout:
 * {@code [start] "METHOD PATH PROTOCOL" STATUS FLAGS BYTES_IN BYTES_OUT DURATION_MS "AUTHORITY"
 * "UPSTREAM_HOST" "UPSTREAM_CLUSTER" "ROUTE" "X-REQUEST-ID" "PEER_PRINCIPAL" DIRECTION
 * "REQUESTED_SERVER_NAME"}; a value that is not known is {@code -}. A TCP connection's line has
 * {@code "- - tcp"} (or {@code tls}, {@code http2}: what detection saw) and status 0, as in Envoy.
 * JSON carries the same fields by name.
 */
final class AccessLogFormat {

    private AccessLogFormat() {
    }

    static String text(ProxyExchange exchange) {
        StringBuilder line = new StringBuilder(256);
        line.append('[').append(AccessLog.startTime(exchange.startMillis())).append("] \"")
                .append(exchange.method()).append(' ');
        appendEscaped(line, exchange.pathAndQuery());
        line.append(' ').append(exchange.request().protocol()).append("\" ")
                .append(exchange.status()).append(' ')
                .append(exchange.flags()).append(' ')
                .append(exchange.bytesReceived()).append(' ')
                .append(exchange.bytesSent()).append(' ')
                .append(durationMillis(exchange));
        quoted(line, exchange.authority());
        quoted(line, exchange.upstreamHost());
        quoted(line, clusterName(exchange));
        quoted(line, routeName(exchange));
        quoted(line, exchange.requestId());
        quoted(line, exchange.peerPrincipal());
        line.append(' ').append(exchange.direction().name().toLowerCase());
        quoted(line, null);
        return line.toString();
    }

    static String text(TcpSession session) {
        StringBuilder line = new StringBuilder(256);
        line.append('[').append(AccessLog.startTime(session.startMillis())).append("] \"- - ")
                .append(session.detection().kind().label()).append("\" 0 ")
                .append(session.flags()).append(' ')
                .append(session.bytesReceived()).append(' ')
                .append(session.bytesSent()).append(' ')
                .append(session.durationMillis());
        quoted(line, null);
        quoted(line, hostPort(session.upstream()));
        quoted(line, session.cluster() == null ? null : session.cluster().name());
        quoted(line, session.routeName());
        quoted(line, null);
        quoted(line, session.peer() == null ? null : session.peer().spiffeId());
        line.append(' ').append(session.direction().name().toLowerCase());
        quoted(line, session.detection().serverName());
        return line.toString();
    }

    static String json(TcpSession session) {
        StringBuilder line = new StringBuilder(384).append('{');
        field(line, "start_time", AccessLog.startTime(session.startMillis()));
        field(line, "method", null);
        field(line, "path", null);
        field(line, "protocol", session.detection().kind().label());
        line.append("\"response_code\":0,");
        field(line, "response_flags", session.flags());
        line.append("\"bytes_received\":").append(session.bytesReceived()).append(',');
        line.append("\"bytes_sent\":").append(session.bytesSent()).append(',');
        line.append("\"duration\":").append(session.durationMillis()).append(',');
        field(line, "authority", null);
        field(line, "upstream_host", hostPort(session.upstream()));
        field(line, "upstream_cluster", session.cluster() == null ? null : session.cluster().name());
        field(line, "route_name", session.routeName());
        field(line, "x_request_id", null);
        field(line, "peer_principal", session.peer() == null ? null : session.peer().spiffeId());
        field(line, "requested_server_name", session.detection().serverName());
        line.append("\"direction\":\"").append(session.direction().name().toLowerCase()).append("\"}");
        return line.toString();
    }

    private static String hostPort(InetSocketAddress address) {
        return address == null ? null : address.getAddress().getHostAddress() + ":" + address.getPort();
    }

    static String json(ProxyExchange exchange) {
        StringBuilder line = new StringBuilder(384).append('{');
        field(line, "start_time", AccessLog.startTime(exchange.startMillis()));
        field(line, "method", exchange.method());
        field(line, "path", exchange.pathAndQuery());
        field(line, "protocol", exchange.request().protocol());
        line.append("\"response_code\":").append(exchange.status()).append(',');
        field(line, "response_flags", exchange.flags());
        line.append("\"bytes_received\":").append(exchange.bytesReceived()).append(',');
        line.append("\"bytes_sent\":").append(exchange.bytesSent()).append(',');
        line.append("\"duration\":").append(durationMillis(exchange)).append(',');
        field(line, "authority", exchange.authority());
        field(line, "upstream_host", exchange.upstreamHost());
        field(line, "upstream_cluster", clusterName(exchange));
        field(line, "route_name", routeName(exchange));
        field(line, "x_request_id", exchange.requestId());
        field(line, "peer_principal", exchange.peerPrincipal());
        field(line, "requested_server_name", null);
        line.append("\"direction\":\"").append(exchange.direction().name().toLowerCase()).append("\"}");
        return line.toString();
    }

    private static long durationMillis(ProxyExchange exchange) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - exchange.startNanos());
    }

    private static String clusterName(ProxyExchange exchange) {
        Cluster cluster = exchange.cluster();
        return cluster == null ? null : cluster.name();
    }

    private static String routeName(ProxyExchange exchange) {
        Route route = exchange.route();
        return route == null ? null : route.name();
    }

    private static void quoted(StringBuilder line, String value) {
        line.append(" \"");
        appendEscaped(line, value);
        line.append('"');
    }

    private static void field(StringBuilder line, String name, String value) {
        line.append('"').append(name).append("\":");
        if (value == null) {
            line.append("null,");
            return;
        }
        line.append('"');
        appendEscaped(line, value);
        line.append("\",");
    }

    /** Escapes quotes, backslashes and control characters, so a hostile header cannot forge a line. */
    private static void appendEscaped(StringBuilder line, String value) {
        if (value == null) {
            line.append('-');
            return;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                line.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f) {
                line.append(String.format("\\u%04x", (int) c));
            } else {
                line.append(c);
            }
        }
    }
}
