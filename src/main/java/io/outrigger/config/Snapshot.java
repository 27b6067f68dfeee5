package io.outrigger.config;

import java.util.Map;

import io.outrigger.cluster.Cluster;
import io.outrigger.protocol.PortProtocols;
import io.outrigger.routing.Route;
import io.outrigger.routing.RouteTable;
import io.outrigger.routing.TcpRouteTable;
import io.outrigger.tls.Principals;

/**
 * One immutable, compiled version of the whole configuration. A request reads the live snapshot
 * once, at its start, and runs to its end on that snapshot even if a reload replaces it meanwhile.
 *
 * @param version   increases by one with every applied change; 0 is the empty start-up table
 * @param hash      SHA-256 of the bound config, to skip reloads that change nothing
 * @param config    the effective config this snapshot was compiled from
 * @param outbound  the route table for the outbound listener
 * @param inbound   the single route every inbound request takes, to the local application
 * @param passthrough the route of redirected outbound requests no route claims, in allow-any mode
 * @param inboundAppAddress where the application listens, resolved once
 * @param clusters  every cluster, by name, the inbound one included
 * @param tcpRoutes outbound TCP routes, by destination
 * @param inboundProtocols  the protocol of each application port
 * @param outboundProtocols the protocol of each destination port
 * @param inboundAuthorization the principals that may call the application (empty: anyone)
 */
public record Snapshot(long version, String hash, OutriggerProperties config, RouteTable outbound, Route inbound,
        Route passthrough, java.net.InetAddress inboundAppAddress, Map<String, Cluster> clusters,
        TcpRouteTable tcpRoutes, PortProtocols inboundProtocols, PortProtocols outboundProtocols,
        Principals inboundAuthorization) {

    public boolean registryOnly() {
        return "registry-only".equals(config.outbound().mode());
    }

    /** The cluster of the local application. */
    public Cluster inboundCluster() {
        return inbound.destinations().choose();
    }

    /** The cluster of redirected connections that go on to their original destination. */
    public Cluster passthroughCluster() {
        return passthrough.destinations().choose();
    }
}
