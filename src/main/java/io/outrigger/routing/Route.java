package io.outrigger.routing;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.netty.handler.codec.http.HttpHeaders;
import io.outrigger.cluster.Cluster;
import io.outrigger.common.Problems;
import io.outrigger.config.OutriggerProperties;

/**
 * A compiled route: its matchers, destinations and the policies the pipeline's filters compiled
 * for it ({@link RoutePolicy}). Immutable; built with the snapshot, never per request.
 */
public final class Route {

    private final String name;
    private final RequestMatcher[] matchers;
    private final WeightedClusters destinations;
    private final Duration timeout;
    private final boolean websocket;
    private final Map<RoutePolicy<?>, Object> policies;

    private Route(String name, RequestMatcher[] matchers, WeightedClusters destinations, Duration timeout,
            boolean websocket, Map<RoutePolicy<?>, Object> policies) {
        this.name = name;
        this.websocket = websocket;
        this.matchers = matchers;
        this.destinations = destinations;
        this.timeout = timeout;
        this.policies = policies;
    }

    /** Compiles route {@code settings} at {@code path}; null when there were problems, each reported. */
    static Route compile(OutriggerProperties.Route settings, String path, Map<String, Cluster> clusters,
            Map<String, String> serviceClusters, List<RoutePolicy<?>> policyKinds, Set<String> names, Problems problems) {
        int before = problems.count();
        if (settings.name() == null || settings.name().isBlank()) {
            problems.add(path + ".name", "every route needs a name (it labels logs and metrics)");
        } else if (!names.add(settings.name())) {
            problems.add(path + ".name", "duplicate route name '" + settings.name() + "'");
        }
        if (settings.hosts().isEmpty()) {
            problems.add(path + ".hosts", "at least one host is required (\"*\" matches any)");
        }
        RequestMatcher[] matchers = new RequestMatcher[Math.max(1, settings.match().size())];
        matchers[0] = RequestMatcher.ANY;
        for (int i = 0; i < settings.match().size(); i++) {
            matchers[i] = RequestMatcher.compile(settings.match().get(i), path + ".match[" + i + "]", problems);
        }
        WeightedClusters destinations = WeightedClusters.compile(settings.route(), path, clusters, serviceClusters, problems);
        problems.positive(path + ".timeout", settings.timeout());
        Map<RoutePolicy<?>, Object> policies = new HashMap<>();
        for (RoutePolicy<?> kind : policyKinds) {
            Object policy = kind.compile(settings, path, problems);
            if (policy != null) {
                policies.put(kind, policy);
            }
        }
        return problems.count() > before ? null
                : new Route(settings.name(), matchers, destinations, settings.timeout(), settings.websocket(),
                        Map.copyOf(policies));
    }

    /** A route that sends every request to one cluster, with every policy at its default. */
    public static Route direct(String name, Cluster cluster) {
        return new Route(name, new RequestMatcher[] {RequestMatcher.ANY}, WeightedClusters.single(cluster), null, true,
                Map.of());
    }

    /** Whether any of the route's match entries holds; {@code path} excludes the query string. */
    boolean matches(String method, String path, HttpHeaders headers) {
        for (RequestMatcher matcher : matchers) {
            if (matcher.matches(method, path, headers)) {
                return true;
            }
        }
        return false;
    }

    public String name() {
        return name;
    }

    public WeightedClusters destinations() {
        return destinations;
    }

    /** The limit for the whole request, all tries included, or null for none. */
    public Duration timeout() {
        return timeout;
    }

    /** Whether a WebSocket upgrade request on this route is passed on as one (the default), or as plain HTTP/1.1. */
    public boolean websocket() {
        return websocket;
    }

    /** What {@code kind} compiled for this route, or null when the route sets nothing of it. */
    @SuppressWarnings("unchecked")
    public <T> T policy(RoutePolicy<T> kind) {
        return policies.isEmpty() ? null : (T) policies.get(kind);
    }
}
