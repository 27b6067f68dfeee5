package io.outrigger.routing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import io.netty.handler.codec.http.HttpHeaders;
import io.outrigger.cluster.Cluster;
import io.outrigger.common.Problems;
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

    /**
     * Compiles {@code outrigger.routes} against the clusters (see {@link WeightedClusters#compile}
     * for names mapped to null, and for {@code serviceClusters}), each route with every filter's
     * {@link RoutePolicy}.
     */
    public static RouteTable compile(List<OutriggerProperties.Route> settings, Map<String, Cluster> clusters,
            Map<String, String> serviceClusters, List<RoutePolicy<?>> policies, Problems problems) {
        List<Candidate> all = new ArrayList<>();
        Set<String> exactHosts = new LinkedHashSet<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < settings.size(); i++) {
            String path = "outrigger.routes[" + i + "]";
            HostPattern[] patterns = HostPattern.compile(settings.get(i).hosts(), path + ".hosts", problems);
            Route route = Route.compile(settings.get(i), path, clusters, serviceClusters, policies, names, problems);
            if (route == null || patterns == null) {
                continue;
            }
            all.add(new Candidate(route, patterns));
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
