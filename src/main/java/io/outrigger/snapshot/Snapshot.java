package io.outrigger.snapshot;

import java.net.InetSocketAddress;
import java.util.Map;

import io.outrigger.cluster.Cluster;
import io.outrigger.common.Direction;
import io.outrigger.config.OutriggerProperties;
import io.outrigger.routing.Route;
import io.outrigger.routing.RouteTable;
import io.outrigger.routing.ServiceHosts;
import io.outrigger.routing.TcpRouteTable;
import io.outrigger.telemetry.LogFormat;
import io.outrigger.tls.Principals;

/**
 * One immutable, compiled version of the whole configuration. A request reads the live snapshot
 * once, at its start, and runs to its end on that snapshot even if a reload replaces it meanwhile.
 * Everything the proxy reads from it is compiled; the settings it came from are kept only for the
 * admin endpoints, which show them as the user wrote them.
 *
 * @param version   increases by one with every applied change; 0 is the empty start-up table
 * @param hash      SHA-256 of the bound config, to skip reloads that change nothing
 * @param settings  the settings this snapshot was compiled from, for the admin endpoints
 * @param clusterSettings each cluster's settings (the generated inbound and pass-through ones
 *                  included), for {@code /actuator/clusters}
 * @param outbound  the route table for the outbound listener
 * @param inbound   the single route every inbound request takes, to the local application
 * @param passthrough the route of redirected outbound requests no route claims, in allow-any mode
 * @param inboundApp where the application listens ({@code app-address}, resolved once, and {@code app-port})
 * @param clusters  every cluster, by name, the inbound one included
 * @param tcpRoutes outbound TCP routes, by destination
 * @param inboundListener  the inbound listener: limits, protocols and TLS modes per application port
 * @param outboundListener the outbound listener: limits and protocols per destination port
 * @param inboundAuthorization the principals that may call the application (empty: anyone)
 * @param registryOnly whether outbound traffic no route claims is refused ({@code mode: registry-only})
 * @param accessLog the access log's format, or OFF
 * @param services  the discovered Services reachable by host name with no route
 */
public record Snapshot(long version, String hash, OutriggerProperties settings,
        Map<String, OutriggerProperties.Cluster> clusterSettings, RouteTable outbound, Route inbound,
        Route passthrough, InetSocketAddress inboundApp, Map<String, Cluster> clusters, TcpRouteTable tcpRoutes,
        ListenerPlan inboundListener, ListenerPlan outboundListener, Principals inboundAuthorization,
        boolean registryOnly, LogFormat accessLog, ServiceHosts services) {

    /** The cluster of the local application. */
    public Cluster inboundCluster() {
        return inbound.destinations().choose();
    }

    /** The cluster of redirected connections that go on to their original destination. */
    public Cluster passthroughCluster() {
        return passthrough.destinations().choose();
    }

    public ListenerPlan listener(Direction direction) {
        return direction == Direction.INBOUND ? inboundListener : outboundListener;
    }

    /** The application port, for connections whose own port is unknown. */
    public int appPort() {
        return inboundApp.getPort();
    }
}
