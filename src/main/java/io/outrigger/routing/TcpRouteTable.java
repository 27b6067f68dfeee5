package io.outrigger.routing;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;

import io.outrigger.cluster.Cluster;
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

    /** Compiles routes the validator has accepted. */
    public static TcpRouteTable compile(List<OutriggerProperties.TcpRoute> configs, Map<String, Cluster> clusters) {
        return new TcpRouteTable(configs.stream()
                .map(c -> new TcpRoute(c.name(), c.port(), c.address() == null ? null : AddressBlock.parse(c.address()),
                        clusters.get(c.cluster())))
                .toList());
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
