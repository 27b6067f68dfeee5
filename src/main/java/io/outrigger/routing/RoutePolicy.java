package io.outrigger.routing;

import io.outrigger.common.Problems;
import io.outrigger.config.OutriggerProperties;

/**
 * A filter's per-route policy: the filter compiles its own part of each route's settings, and
 * reads the result back from the matched {@link Route} with {@link Route#policy}. Routing stores
 * the compiled values without knowing their types, so a filter with a policy of its own needs no
 * change here.
 *
 * @param <T> the compiled form the filter reads on the request path
 */
public interface RoutePolicy<T> {

    /**
     * This policy for one route, or null when the route sets nothing of it. Problems are reported
     * under {@code path}, the route's property path ({@code outrigger.routes[2]}).
     */
    T compile(OutriggerProperties.Route settings, String path, Problems problems);
}
