package io.outrigger.routing;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.netty.util.NetUtil;
import io.outrigger.cluster.Cluster;
import io.outrigger.cluster.DiscoveredService;
import io.outrigger.cluster.Endpoint;
import io.outrigger.protocol.Protocol;

/**
 * Discovered Services reachable with no route, as in Istio: a request whose host is the Service's
 * {@code name} (in the pod's own namespace), {@code name.ns}, {@code name.ns.svc} or its full name,
 * with or without a port, goes to the cluster of that Service port. The port is the host's, else
 * the connection's original destination port, else 80; a Service with a single port needs none.
 * A connection redirected to a Service's ClusterIP and port goes to that port's cluster too, HTTP
 * or TCP. A headless Service has no ClusterIP: its clients connect to the pod they looked up, so a
 * connection to one of its endpoints stays with that pod ({@link #pinned}), reached as the Service's
 * (mTLS to its sidecar, the Service's metric labels). Routes are looked at first: a matching route
 * (or tcp-route) wins.
 */
public final class ServiceHosts {

    public static final ServiceHosts NONE = new ServiceHosts(Map.of(), Map.of(), Map.of(), List.of());

    private final Map<String, Map<Integer, Route>> byHost;
    private final Map<InetSocketAddress, Route> byAddress;
    private final Map<InetSocketAddress, Protocol> protocols;
    private final List<Headless> headless;
    private final Map<Route, Headless> headlessByRoute;   // by identity: asked per request, one lookup

    /** A headless Service port: its route, and the protocol its port declares. */
    private record Headless(Route route, Cluster cluster, Protocol protocol) {
    }

    private ServiceHosts(Map<String, Map<Integer, Route>> byHost, Map<InetSocketAddress, Route> byAddress,
            Map<InetSocketAddress, Protocol> protocols, List<Headless> headless) {
        this.byHost = byHost;
        this.byAddress = byAddress;
        this.protocols = protocols;
        this.headless = headless;
        this.headlessByRoute = new IdentityHashMap<>();
        headless.forEach(candidate -> headlessByRoute.put(candidate.route(), candidate));
    }

    /** Indexes every port of {@code services} whose cluster is in {@code clusters}. */
    public static ServiceHosts compile(List<DiscoveredService> services, Map<String, Cluster> clusters, String ownNamespace,
            String clusterDomain) {
        Map<String, Map<Integer, Route>> byHost = new HashMap<>();
        Map<InetSocketAddress, Route> byAddress = new HashMap<>();
        Map<InetSocketAddress, Protocol> protocols = new HashMap<>();
        List<Headless> headless = new ArrayList<>();
        for (DiscoveredService service : services) {
            InetAddress clusterIp = literal(service.clusterIp());
            Map<Integer, Route> ports = new HashMap<>();
            for (DiscoveredService.Port port : service.ports()) {
                String name = service.clusterName(port, clusterDomain);
                Cluster cluster = clusters.get(name);
                if (cluster != null) {
                    Route route = Route.direct(name, cluster);
                    ports.put(port.port(), route);
                    if (clusterIp != null) {
                        InetSocketAddress at = new InetSocketAddress(clusterIp, port.port());
                        byAddress.put(at, route);
                        protocols.put(at, Protocol.ofServicePort(port.appProtocol(), port.name()));
                    } else if (service.externalName() == null) {
                        headless.add(new Headless(route, cluster, Protocol.ofServicePort(port.appProtocol(), port.name())));
                    }
                }
            }
            if (ports.isEmpty()) {
                continue;
            }
            Map<Integer, Route> shared = Map.copyOf(ports);
            String fqdn = service.host(clusterDomain).toLowerCase(Locale.ROOT);
            String relative = (service.name() + "." + service.namespace()).toLowerCase(Locale.ROOT);
            byHost.put(fqdn, shared);
            byHost.put(relative, shared);
            byHost.put(relative + ".svc", shared);
            if (service.namespace().equals(ownNamespace)) {
                byHost.put(service.name().toLowerCase(Locale.ROOT), shared);
            }
        }
        return new ServiceHosts(Map.copyOf(byHost), Map.copyOf(byAddress), Map.copyOf(protocols), List.copyOf(headless));
    }

    /**
     * What the Service port at a connection's original destination declares it speaks
     * ({@link Protocol#ofServicePort}); {@link Protocol#AUTO} for anything else.
     */
    public Protocol protocolAt(InetSocketAddress original) {
        if (original == null) {
            return Protocol.AUTO;
        }
        Protocol declared = protocols.get(original);
        if (declared != null) {
            return declared;
        }
        Headless pod = headlessAt(original);
        return pod == null ? Protocol.AUTO : pod.protocol();
    }

    /**
     * The route of the Service port at a connection's original destination: its ClusterIP and
     * port, or an endpoint of a headless Service; null for neither.
     */
    public Route at(InetSocketAddress original) {
        if (original == null) {
            return null;
        }
        Route route = byAddress.get(original);
        if (route != null) {
            return route;
        }
        Headless pod = headlessAt(original);
        return pod == null ? null : pod.route();
    }

    /** Whether {@code route} is a headless Service's: its clients pick the pod themselves. */
    public boolean headless(Route route) {
        return headlessByRoute.containsKey(route);
    }

    /**
     * The endpoint a connection to {@code original} on {@code route} must go to, looked up once:
     * for a headless Service's route, its endpoint at {@code original} (null when it has none, or
     * no longer); for any other route, null.
     */
    public Endpoint pinned(Route route, InetSocketAddress original) {
        Headless candidate = original == null ? null : headlessByRoute.get(route);
        return candidate == null ? null : candidate.cluster().endpointAt(original);
    }

    /** The headless Service port with an endpoint at {@code original}; a walk, only when no ClusterIP matched. */
    private Headless headlessAt(InetSocketAddress original) {
        for (Headless candidate : headless) {
            if (candidate.cluster().endpointAt(original) != null) {
                return candidate;
            }
        }
        return null;
    }

    /** An IP literal, parsed without a lookup; null for none (a headless Service) or anything else. */
    private static InetAddress literal(String ip) {
        byte[] bytes = ip == null ? null : NetUtil.createByteArrayFromIpAddressString(ip);
        try {
            return bytes == null ? null : InetAddress.getByAddress(bytes);
        } catch (UnknownHostException impossible) {
            return null;
        }
    }

    /** The route to the Service {@code authority} names, or null. */
    public Route find(String authority, int destinationPort) {
        if (authority == null || byHost.isEmpty()) {
            return null;
        }
        String host = authority.toLowerCase(Locale.ROOT);
        int port = destinationPort > 0 ? destinationPort : 80;
        int colon = host.lastIndexOf(':');
        if (colon > 0 && host.indexOf(']') < colon) {
            try {
                port = Integer.parseInt(host.substring(colon + 1));
            } catch (NumberFormatException e) {
                return null;
            }
            host = host.substring(0, colon);
        }
        Map<Integer, Route> ports = byHost.get(host);
        if (ports == null) {
            return null;
        }
        Route route = ports.get(port);
        return route != null || ports.size() != 1 ? route : ports.values().iterator().next();
    }

    /** How many host names lead to a Service. */
    public int size() {
        return byHost.size();
    }
}
