package io.outrigger.routing;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.outrigger.cluster.Cluster;
import io.outrigger.common.Problems;
import io.outrigger.config.OutriggerProperties;

/** The compiled {@code tcp-routes}: outbound connections matched on destination port and address, first match wins. */
public final class TcpRouteTable {

    public static final TcpRouteTable EMPTY = new TcpRouteTable(List.of());

    /** One compiled tcp-route; {@code block} is null when any address matches. */
    public record TcpRoute(String name, int port, AddressBlock block, Cluster cluster) {
        boolean matches(InetSocketAddress destination) {
            return destination.getPort() == port && (block == null || block.contains(destination.getAddress()));
        }
    }

    private final List<TcpRoute> routes;

    private TcpRouteTable(List<TcpRoute> routes) {
        this.routes = routes;
    }

    /** Compiles {@code outrigger.tcp-routes}; problems are reported, each by its property path. */
    public static TcpRouteTable compile(List<OutriggerProperties.TcpRoute> settings, Map<String, Cluster> clusters,
            Problems problems) {
        List<TcpRoute> routes = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < settings.size(); i++) {
            OutriggerProperties.TcpRoute route = settings.get(i);
            String path = "outrigger.tcp-routes[" + i + "]";
            if (route.name() == null || route.name().isBlank()) {
                problems.add(path + ".name", "every tcp-route needs a name (it labels logs and metrics)");
            } else if (!names.add(route.name())) {
                problems.add(path + ".name", "duplicate tcp-route name '" + route.name() + "'");
            }
            if (route.port() == null) {
                problems.add(path + ".port", "the destination port is required");
            } else {
                problems.port(path + ".port", route.port(), false);
            }
            AddressBlock block = null;
            if (route.address() != null) {
                try {
                    block = AddressBlock.parse(route.address());
                } catch (IllegalArgumentException e) {
                    problems.add(path + ".address", e.getMessage());
                }
            }
            if (route.cluster() == null) {
                problems.add(path + ".cluster", "a cluster name is required");
            } else if (!clusters.containsKey(route.cluster())) {
                problems.add(path + ".cluster", "unknown cluster '" + route.cluster() + "'");
            }
            if (route.port() != null) {
                routes.add(new TcpRoute(route.name(), route.port(), block, clusters.get(route.cluster())));
            }
        }
        return new TcpRouteTable(List.copyOf(routes));
    }

    /** The route for a connection to {@code destination}, or null; null destinations match nothing. */
    public TcpRoute match(InetSocketAddress destination) {
        if (destination == null) {
            return null;
        }
        for (TcpRoute route : routes) {
            if (route.matches(destination)) {
                return route;
            }
        }
        return null;
    }

    public List<TcpRoute> routes() {
        return routes;
    }
}
