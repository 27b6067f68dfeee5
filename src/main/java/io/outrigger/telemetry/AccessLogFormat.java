package io.outrigger.telemetry;

import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import io.outrigger.cluster.Cluster;
import io.outrigger.common.Direction;
import io.outrigger.common.ResponseFlag;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.json.JsonFactory;

/**
 * The two access-log formats. Text follows Envoy's default layout:
 * {@code [start] "METHOD PATH PROTOCOL" STATUS FLAGS BYTES_IN BYTES_OUT DURATION_MS "AUTHORITY"
 * "UPSTREAM_HOST" "UPSTREAM_CLUSTER" "ROUTE" "X-REQUEST-ID" "PEER_PRINCIPAL" DIRECTION
 * "REQUESTED_SERVER_NAME"}; a value that is not known is {@code -}. A TCP connection's line has
 * {@code "- - tcp"} (or {@code tls}, {@code http2}: what detection saw) and status 0, as in Envoy.
 * JSON, written by Jackson, carries the same fields by name.
 */
final class AccessLogFormat {

    private static final JsonFactory JSON = new JsonFactory();

    private AccessLogFormat() {
    }

    static String text(ExchangeRecord exchange) {
        StringBuilder line = new StringBuilder(256);
        line.append('[').append(startTime(exchange.startMillis())).append("] \"")
                .append(exchange.method()).append(' ');
        appendEscaped(line, exchange.pathAndQuery());
        line.append(' ').append(exchange.protocol()).append("\" ")
                .append(exchange.status()).append(' ')
                .append(ResponseFlag.format(exchange.flags())).append(' ')
                .append(exchange.bytesReceived()).append(' ')
                .append(exchange.bytesSent()).append(' ')
                .append(TimeUnit.NANOSECONDS.toMillis(exchange.durationNanos()));
        quoted(line, exchange.authority());
        quoted(line, exchange.upstreamHost());
        quoted(line, name(exchange.cluster()));
        quoted(line, exchange.routeName());
        quoted(line, exchange.requestId());
        quoted(line, exchange.peerPrincipal());
        line.append(' ').append(direction(exchange.direction()));
        quoted(line, null);
        return line.toString();
    }

    static String text(SessionRecord session) {
        StringBuilder line = new StringBuilder(256);
        line.append('[').append(startTime(session.startMillis())).append("] \"- - ")
                .append(session.protocol()).append("\" 0 ")
                .append(ResponseFlag.format(session.flags())).append(' ')
                .append(session.bytesReceived()).append(' ')
                .append(session.bytesSent()).append(' ')
                .append(session.durationMillis());
        quoted(line, null);
        quoted(line, hostPort(session.upstream()));
        quoted(line, name(session.cluster()));
        quoted(line, session.routeName());
        quoted(line, null);
        quoted(line, session.peerPrincipal());
        line.append(' ').append(direction(session.direction()));
        quoted(line, session.serverName());
        return line.toString();
    }

    static String json(ExchangeRecord exchange) {
        StringWriter out = new StringWriter(384);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringProperty("start_time", startTime(exchange.startMillis()));
            json.writeStringProperty("method", exchange.method());
            json.writeStringProperty("path", exchange.pathAndQuery());
            json.writeStringProperty("protocol", exchange.protocol());
            json.writeNumberProperty("response_code", exchange.status());
            json.writeStringProperty("response_flags", ResponseFlag.format(exchange.flags()));
            json.writeNumberProperty("bytes_received", exchange.bytesReceived());
            json.writeNumberProperty("bytes_sent", exchange.bytesSent());
            json.writeNumberProperty("duration", TimeUnit.NANOSECONDS.toMillis(exchange.durationNanos()));
            json.writeStringProperty("authority", exchange.authority());
            json.writeStringProperty("upstream_host", exchange.upstreamHost());
            json.writeStringProperty("upstream_cluster", name(exchange.cluster()));
            json.writeStringProperty("route_name", exchange.routeName());
            json.writeStringProperty("x_request_id", exchange.requestId());
            json.writeStringProperty("peer_principal", exchange.peerPrincipal());
            json.writeNullProperty("requested_server_name");
            json.writeStringProperty("direction", direction(exchange.direction()));
            json.writeEndObject();
        }
        return out.toString();
    }

    static String json(SessionRecord session) {
        StringWriter out = new StringWriter(384);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringProperty("start_time", startTime(session.startMillis()));
            json.writeNullProperty("method");
            json.writeNullProperty("path");
            json.writeStringProperty("protocol", session.protocol());
            json.writeNumberProperty("response_code", 0);
            json.writeStringProperty("response_flags", ResponseFlag.format(session.flags()));
            json.writeNumberProperty("bytes_received", session.bytesReceived());
            json.writeNumberProperty("bytes_sent", session.bytesSent());
            json.writeNumberProperty("duration", session.durationMillis());
            json.writeNullProperty("authority");
            json.writeStringProperty("upstream_host", hostPort(session.upstream()));
            json.writeStringProperty("upstream_cluster", name(session.cluster()));
            json.writeStringProperty("route_name", session.routeName());
            json.writeNullProperty("x_request_id");
            json.writeStringProperty("peer_principal", session.peerPrincipal());
            json.writeStringProperty("requested_server_name", session.serverName());
            json.writeStringProperty("direction", direction(session.direction()));
            json.writeEndObject();
        }
        return out.toString();
    }

    private static String startTime(long millis) {
        return Instant.ofEpochMilli(millis).toString();
    }

    private static String direction(Direction direction) {
        return direction.name().toLowerCase(Locale.ROOT);
    }

    private static String name(Cluster cluster) {
        return cluster == null ? null : cluster.name();
    }

    private static String hostPort(InetSocketAddress address) {
        return address == null ? null : address.getAddress().getHostAddress() + ":" + address.getPort();
    }

    private static void quoted(StringBuilder line, String value) {
        line.append(" \"");
        appendEscaped(line, value);
        line.append('"');
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
