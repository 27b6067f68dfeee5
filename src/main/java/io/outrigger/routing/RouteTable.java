package io.outrigger.routing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import io.netty.handler.codec.http.HttpHeaders;
import io.outrigger.cluster.Cluster;
import io.outrigger.config.OutriggerProperties;

/**
 * The compiled route list, first match wins. Indexed by host when the snapshot is built: a
 * request's host selects a short candidate list (the routes that name that host exactly, or by a
 * wildcard that covers it, in config order), so a lookup never scans unrelated routes.
 */
public final class RouteTable {

    public static final RouteTable EMPTY = new RouteTable(List.of(), Map.of(), new Candidate[0]);

    private final List<Route> routes;
    private final Map<String, Candidate[]> byHost;
    private final Candidate[] wildcards;

    private RouteTable(List<Route> routes, Map<String, Candidate[]> byHost, Candidate[] wildcards) {
        this.routes = routes;
        this.byHost = byHost;
        this.wildcards = wildcards;
    }

    public static RouteTable compile(List<OutriggerProperties.Route> configs, Map<String, Cluster> clusters) {
        List<Candidate> all = new ArrayList<>();
        Set<String> exactHosts = new LinkedHashSet<>();
        for (OutriggerProperties.Route config : configs) {
            HostPattern[] patterns = config.hosts().stream().map(HostPattern::parse).toArray(HostPattern[]::new);
            all.add(new Candidate(Route.compile(config, clusters), patterns));
            for (HostPattern pattern : patterns) {
                if (pattern.kind() == HostPattern.Kind.EXACT) {
                    exactHosts.add(pattern.host());
                }
            }
        }
        Map<String, Candidate[]> byHost = new HashMap<>();
        for (String host : exactHosts) {
            byHost.put(host, all.stream().filter(c -> c.couldMatch(host)).toArray(Candidate[]::new));
        }
        Candidate[] wildcards = all.stream().filter(Candidate::hasWildcard).toArray(Candidate[]::new);
        return new RouteTable(all.stream().map(Candidate::route).toList(), Map.copyOf(byHost), wildcards);
    }

    /** The first route matching the request, or null. {@code path} excludes the query string. */
    public Route find(String authority, String method, String path, HttpHeaders headers) {
        if (authority == null) {
            return null;
        }
        String host = authority.toLowerCase(Locale.ROOT);
        int port = -1;
        int colon = host.lastIndexOf(':');
        if (colon > 0 && host.indexOf(']') < colon) {
            port = parsePort(host, colon + 1);
            host = host.substring(0, colon);
        }
        Candidate[] candidates = byHost.get(host);
        if (candidates == null) {
            candidates = wildcards;
        }
        for (Candidate candidate : candidates) {
            if (candidate.hostMatches(host, port) && candidate.route.matches(method, path, headers)) {
                return candidate.route;
            }
        }
        return null;
    }

    public List<Route> routes() {
        return routes;
    }

    private static int parsePort(String text, int from) {
        int port = 0;
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9' || port > 65535) {
                return -2;
            }
            port = port * 10 + (c - '0');
        }
        return from == text.length() ? -1 : port;
    }

    private record Candidate(Route route, HostPattern[] patterns) {

        boolean couldMatch(String host) {
            for (HostPattern pattern : patterns) {
                if (pattern.kind() == HostPattern.Kind.EXACT ? pattern.host().equals(host) : pattern.matches(host, pattern.port())) {
                    return true;
                }
            }
            return false;
        }

        boolean hasWildcard() {
            for (HostPattern pattern : patterns) {
                if (pattern.kind() != HostPattern.Kind.EXACT) {
                    return true;
                }
            }
            return false;
        }

        boolean hostMatches(String host, int port) {
            for (HostPattern pattern : patterns) {
                if (pattern.matches(host, port)) {
                    return true;
                }
            }
            return false;
        }
    }
}
