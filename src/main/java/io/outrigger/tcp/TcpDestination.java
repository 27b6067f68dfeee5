package io.outrigger.tcp;

import java.net.InetSocketAddress;

import io.outrigger.cluster.Cluster;
import io.outrigger.cluster.Endpoint;
import io.outrigger.common.Direction;
import io.outrigger.common.ResponseFlag;
import io.outrigger.routing.Route;
import io.outrigger.routing.TcpRouteTable;
import io.outrigger.snapshot.Snapshot;
import io.outrigger.tls.PeerPolicy;

/**
 * Where a TCP connection goes, decided once when it starts.
 *
 * @param cluster  the cluster it belongs to, for metrics and logs (null when refused without one)
 * @param route    the tcp-route that matched, or the direct route's name
 * @param address  the upstream address, or null when the connection is refused
 * @param refusal  why it is refused ({@code NR}, {@code UH}), or null
 * @param peers    how the upstream connection is secured: the cluster's policy, or the endpoint's own
 */
public record TcpDestination(Cluster cluster, String route, InetSocketAddress address, ResponseFlag refusal, PeerPolicy peers) {

    /** A destination secured as its cluster says. */
    public TcpDestination(Cluster cluster, String route, InetSocketAddress address, ResponseFlag refusal) {
        this(cluster, route, address, refusal, cluster == null ? PeerPolicy.PLAINTEXT : cluster.spec().peers());
    }

    private static TcpDestination to(Cluster cluster, String route, Endpoint endpoint) {
        return endpoint == null
                ? new TcpDestination(cluster, route, null, ResponseFlag.UH)
                : new TcpDestination(cluster, route, endpoint.address(), null, endpoint.peers());
    }

    /**
     * Inbound: the application, on the port the client asked for. Outbound: the first tcp-route
     * for the original destination, else the discovered Service whose ClusterIP and port it is,
     * else the original destination itself (allow-any), else refused (registry-only, or a
     * connection that was never redirected and matches no route).
     */
    public static TcpDestination of(Snapshot snapshot, Direction direction, InetSocketAddress original) {
        if (snapshot == null) {
            return new TcpDestination(null, null, null, ResponseFlag.NR);
        }
        if (direction == Direction.INBOUND) {
            int port = original != null ? original.getPort() : snapshot.appPort();
            return new TcpDestination(snapshot.inboundCluster(), snapshot.inbound().name(),
                    new InetSocketAddress(snapshot.inboundApp().getAddress(), port), null);
        }
        TcpRouteTable.TcpRoute route = snapshot.tcpRoutes().match(original);
        if (route != null) {
            return to(route.cluster(), route.name(), route.cluster().pick());
        }
        Route service = snapshot.services().at(original);   // a discovered Service's ClusterIP and port, or headless pod
        if (service != null) {
            Cluster cluster = service.destinations().choose();
            // A headless Service's pod stays the one the client chose: if it has just left, the
            // connection is refused (UH), never sent to another pod (a replica for a primary).
            return to(cluster, service.name(), snapshot.services().headless(service)
                    ? snapshot.services().pinned(service, original) : cluster.pick());
        }
        if (original == null || snapshot.registryOnly()) {
            return new TcpDestination(null, null, null, ResponseFlag.NR);
        }
        return new TcpDestination(snapshot.passthroughCluster(), snapshot.passthrough().name(), original, null);
    }
}
