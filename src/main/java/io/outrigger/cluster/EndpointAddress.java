package io.outrigger.cluster;

import java.util.Objects;

import io.netty.util.NetUtil;

/** A configured endpoint, {@code host:port}, where host is a DNS name or an IP literal. */
public record EndpointAddress(String host, int port) {

    public EndpointAddress {
        Objects.requireNonNull(host, "host");
    }

    public boolean isIpLiteral() {
        return NetUtil.isValidIpV4Address(host) || NetUtil.isValidIpV6Address(host);
    }

    /** Parses {@code host:port} or {@code [v6]:port}; the message of a failure says what is wrong. */
    public static EndpointAddress parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty endpoint; expected host:port");
        }
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("'" + text + "' has no port; expected host:port");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' has no numeric port; expected host:port");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("'" + text + "' has port " + port + " outside 1-65535");
        }
        if (!host.matches("[A-Za-z0-9._:-]+")) {
            throw new IllegalArgumentException("'" + text + "' is not a DNS name or IP address");
        }
        return new EndpointAddress(host, port);
    }

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
