package io.outrigger.routing;

import java.util.List;
import java.util.Locale;

import io.outrigger.common.Problems;

/**
 * One entry of a route's {@code hosts}: {@code name}, {@code name:port}, {@code *.suffix}
 * (optionally with a port) or {@code *}. A pattern without a port matches the host on any port;
 * one with a port only that port, as Envoy's virtual host domains do.
 */
record HostPattern(Kind kind, String host, int port) {

    enum Kind { EXACT, SUFFIX, ANY }

    /** The patterns of a route's {@code hosts}, or null when any is not a host pattern (each reported). */
    static HostPattern[] compile(List<String> hosts, String path, Problems problems) {
        HostPattern[] patterns = new HostPattern[hosts.size()];
        boolean ok = true;
        for (int i = 0; i < patterns.length; i++) {
            String host = hosts.get(i);
            if (host == null || host.isBlank() || host.indexOf('*') > 0 || host.startsWith("*") && !host.equals("*") && !host.startsWith("*.")) {
                problems.add(path + "[" + i + "]", "'" + host + "' is not a host, host:port, *.suffix or *");
                ok = false;
            } else {
                patterns[i] = parse(host);
            }
        }
        return ok ? patterns : null;
    }

    static HostPattern parse(String text) {
        String value = text.toLowerCase(Locale.ROOT);
        if (value.equals("*")) {
            return new HostPattern(Kind.ANY, "", -1);
        }
        int port = -1;
        int colon = value.lastIndexOf(':');
        if (colon > 0 && value.indexOf(']') < colon && value.substring(colon + 1).chars().allMatch(Character::isDigit)) {
            port = Integer.parseInt(value.substring(colon + 1));
            value = value.substring(0, colon);
        }
        if (value.startsWith("*.")) {
            return new HostPattern(Kind.SUFFIX, value.substring(1), port);
        }
        return new HostPattern(Kind.EXACT, value, port);
    }

    /** {@code host} is lower-case without port; {@code port} is -1 when the authority had none. */
    boolean matches(String host, int port) {
        if (this.port >= 0 && this.port != port) {
            return false;
        }
        return switch (kind) {
            case ANY -> true;
            case EXACT -> this.host.equals(host);
            case SUFFIX -> host.endsWith(this.host) && host.length() > this.host.length();
        };
    }
}
