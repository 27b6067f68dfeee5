package io.outrigger.telemetry;

import java.util.concurrent.TimeUnit;

import io.outrigger.cluster.Cluster;
import io.outrigger.pipeline.ProxyExchange;
import io.outrigger.routing.Route;

/**
 * The two access-log formats. Text follows Envoy's default layout:
 * {@code [start] "METHOD PATH PROTOCOL" STATUS FLAGS BYTES_IN BYTES_OUT DURATION_MS "AUTHORITY"
 * "UPSTREAM_HOST" "UPSTREAM_CLUSTER" "ROUTE" "X-REQUEST-ID" "PEER_PRINCIPAL" DIRECTION}; a value
 * that is not known is {@code -}. JSON carries the same fields by name.
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
        quoted(line, null);
        line.append(' ').append(exchange.direction().name().toLowerCase());
        return line.toString();
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
        field(line, "peer_principal", null);
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
