package io.outrigger.snapshot;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.outrigger.cluster.Cluster;
import io.outrigger.cluster.ClusterSpec;
import io.outrigger.cluster.DiscoveredService;
import io.outrigger.cluster.EndpointAddress;
import io.outrigger.common.Problems;
import io.outrigger.config.OutriggerProperties;
import io.outrigger.routing.Route;
import io.outrigger.routing.RoutePolicy;
import io.outrigger.routing.RouteTable;
import io.outrigger.routing.ServiceHosts;
import io.outrigger.routing.TcpRouteTable;
import io.outrigger.telemetry.LogFormat;
import io.outrigger.tls.Principals;

/**
 * Builds a {@link Snapshot} from settings in two steps, each concern compiling its own part and
 * reporting its own problems. First everything that needs no live cluster ({@link #plan}):
 * listeners, cluster specs, authorization, mode, access log. Then, once the cluster specs are
 * known good and the clusters built from them, what refers to clusters ({@link #link}): routes
 * with their filters' policies, and TCP routes. Every value is parsed once.
 */
public final class SnapshotCompiler {

    /** Istio's name for the cluster of redirected requests that go to their original destination. */
    static final String PASSTHROUGH = "PassthroughCluster";

    private final List<RoutePolicy<?>> routePolicies;

    /** @param routePolicies the policies the filters compile for each route, in the order their problems are reported */
    public SnapshotCompiler(List<RoutePolicy<?>> routePolicies) {
        this.routePolicies = List.copyOf(routePolicies);
    }

    /** The parts of a snapshot that need no live cluster. */
    record Plan(OutriggerProperties settings, Map<String, ClusterSpec> clusters, ListenerPlan inbound, ListenerPlan outbound,
            InetSocketAddress app, Principals authorization, boolean registryOnly, LogFormat accessLog,
            List<DiscoveredService> services, Map<String, String> serviceClusters) {
    }

    Plan plan(OutriggerProperties settings, List<DiscoveredService> services, Problems problems) {
        OutriggerProperties.Tls tls = settings.tls();
        boolean identity = tls.configured();
        if (identity && (tls.certChain() == null || tls.privateKey() == null || tls.trustBundle() == null)) {
            problems.add("outrigger.tls", "cert-chain, private-key and trust-bundle are needed together");
        }
        ListenerPlan inbound = ListenerPlan.inbound(settings.inbound(), identity, problems);
        ListenerPlan outbound = ListenerPlan.outbound(settings.outbound(), problems);
        Principals.check(settings.inbound().authorization().allowPrincipals(),
                "outrigger.inbound.authorization.allow-principals", problems);
        OutriggerProperties.Inbound in = settings.inbound();
        problems.port("outrigger.inbound.app-port", in.appPort(), false);
        InetSocketAddress app = appAddress(in, problems);
        String mode = settings.outbound().mode();
        if (!"allow-any".equals(mode) && !"registry-only".equals(mode)) {
            problems.add("outrigger.outbound.mode", "must be allow-any or registry-only, was '" + mode + "'");
        }
        LogFormat accessLog = LogFormat.compile(settings.accessLog(), problems);
        Map<String, ClusterSpec> clusters = new LinkedHashMap<>();
        settings.clusters().forEach((name, cluster) -> {
            ClusterSpec spec = ClusterSpec.compile(name, cluster, identity, problems);
            if (spec != null) {
                clusters.put(name, spec);
            }
        });
        clusters.put(inboundClusterName(in), ClusterSpec.perConnection(List.of(new EndpointAddress(in.appAddress(), in.appPort()))));
        clusters.put(PASSTHROUGH, ClusterSpec.perConnection(List.of()));
        ClusterSpec defaults = discoveryDefaults(settings, identity, problems);
        discovered(settings, services, defaults, clusters);
        Map<String, String> serviceClusters = ServiceDestinations.plan(settings, defaults, clusters, problems);
        return new Plan(settings, clusters, inbound, outbound, app, Principals.of(in.authorization().allowPrincipals()),
                "registry-only".equals(mode), accessLog, services, serviceClusters);
    }

    /**
     * The settings of every discovered cluster: {@code cluster-defaults}, with auto mTLS where this
     * pod has an identity to present. Null when there were problems, each reported.
     */
    private static ClusterSpec discoveryDefaults(OutriggerProperties settings, boolean identity, Problems problems) {
        OutriggerProperties.Discovery discovery = settings.discovery();
        int failover = discovery.localityFailoverPercent();
        if (failover < 0 || failover > 100) {
            problems.add("outrigger.discovery.locality-failover-percent", "must be 0-100, was " + failover);
        }
        ClusterSpec defaults = ClusterSpec.defaults(settings.clusterDefaults(), identity, problems);
        return defaults == null || failover < 0 || failover > 100 ? null
                : defaults.withDiscovery(discovery.autoMtls() && identity, failover);
    }

    /**
     * A cluster per port of each discovered Service, with the settings of {@code cluster-defaults};
     * a cluster the user named the same way is the user's.
     */
    private static void discovered(OutriggerProperties settings, List<DiscoveredService> services, ClusterSpec defaults,
            Map<String, ClusterSpec> clusters) {
        if (defaults == null) {
            return;
        }
        String domain = settings.discovery().clusterDomain();
        for (DiscoveredService service : services) {
            for (DiscoveredService.Port port : service.ports()) {
                clusters.putIfAbsent(service.clusterName(port, domain), service.externalName() != null
                        ? defaults.external(service.externalName(), port.port())
                        : defaults.discovered(service.feedKey(port)));
            }
        }
    }

    /**
     * The snapshot of {@code plan} over its built {@code clusters}; with {@code clusters} null
     * (the plan had problems, so none were built) only the routes' own problems are looked for.
     */
    Snapshot link(long version, String hash, Plan plan, Map<String, Cluster> clusters, Problems problems) {
        OutriggerProperties settings = plan.settings();
        // Routes may name only the user's clusters, not the generated inbound and pass-through
        // ones; a service: destination reaches its Service's cluster.
        Map<String, Cluster> named = new HashMap<>();
        settings.clusters().keySet().forEach(name -> named.put(name, clusters == null ? null : clusters.get(name)));
        plan.serviceClusters().values().forEach(name -> named.put(name, clusters == null ? null : clusters.get(name)));
        RouteTable routes = RouteTable.compile(settings.routes(), named, plan.serviceClusters(), routePolicies, problems);
        TcpRouteTable tcpRoutes = TcpRouteTable.compile(settings.tcpRoutes(), named, problems);
        if (clusters == null || !problems.isEmpty()) {
            return null;
        }
        String inboundName = inboundClusterName(settings.inbound());
        return new Snapshot(version, hash, settings, clusterSettings(settings), routes,
                Route.direct("inbound|" + settings.inbound().appPort(), clusters.get(inboundName)),
                Route.direct(PASSTHROUGH, clusters.get(PASSTHROUGH)), plan.app(), Map.copyOf(clusters), tcpRoutes,
                plan.inbound(), plan.outbound(), plan.authorization(), plan.registryOnly(), plan.accessLog(),
                ServiceHosts.compile(plan.services(), clusters, settings.identity().namespace(), settings.discovery().clusterDomain()));
    }

    /** The settings each cluster was built from, as {@code /actuator/clusters} shows them. */
    private static Map<String, OutriggerProperties.Cluster> clusterSettings(OutriggerProperties settings) {
        Map<String, OutriggerProperties.Cluster> all = new LinkedHashMap<>(settings.clusters());
        OutriggerProperties.Inbound inbound = settings.inbound();
        all.put(inboundClusterName(inbound), generated(List.of(inbound.appAddress() + ":" + inbound.appPort())));
        all.put(PASSTHROUGH, generated(List.of()));
        return Map.copyOf(all);
    }

    private static OutriggerProperties.Cluster generated(List<String> endpoints) {
        ClusterSpec spec = ClusterSpec.perConnection(List.of());
        return new OutriggerProperties.Cluster(endpoints, "none", List.of(), "round-robin", spec.pool().connectTimeout(),
                spec.dnsRefresh(), new OutriggerProperties.ConnectionPool(spec.pool().maxConnections(),
                spec.pool().maxPending(), spec.pool().idleTimeout(), 0, Duration.ZERO), null, "auto", false);
    }

    private static InetSocketAddress appAddress(OutriggerProperties.Inbound inbound, Problems problems) {
        try {
            return new InetSocketAddress(InetAddress.getByName(inbound.appAddress()), Math.max(0, Math.min(65535, inbound.appPort())));
        } catch (UnknownHostException e) {
            problems.add("outrigger.inbound.app-address", "'" + inbound.appAddress() + "' does not resolve");
            return null;
        }
    }

    /** Istio's name for the inbound cluster of an application port. */
    static String inboundClusterName(OutriggerProperties.Inbound inbound) {
        return "inbound|" + inbound.appPort() + "||";
    }

    /** Of the settings and the discovered Services: a snapshot built from both is unchanged when neither changed. */
    static String hash(OutriggerProperties settings, List<DiscoveredService> services) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest((settings + "\n" + services).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** The problems of {@code settings}, for a check that builds nothing (tests, manifests). */
    public List<String> check(OutriggerProperties settings) {
        Problems problems = new Problems();
        Plan plan = plan(settings, List.of(), problems);
        link(0, "", plan, null, problems);
        return problems.list();
    }
}
