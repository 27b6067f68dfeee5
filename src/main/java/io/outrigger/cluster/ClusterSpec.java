package io.outrigger.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import io.outrigger.common.Problems;
import io.outrigger.config.OutriggerProperties;
import io.outrigger.tls.PeerPolicy;
import io.outrigger.upstream.PoolLimits;

/**
 * A cluster's compiled settings: every value parsed once, when the config is compiled. Equal
 * specs make the same cluster, so a reload that leaves a cluster's spec alone keeps the live
 * cluster with its warm connections.
 *
 * @param endpoints      where the cluster's endpoints are (DNS names re-resolved every {@code dnsRefresh})
 * @param peers          plaintext, or mTLS to these peer principals
 * @param loadBalancer   how a request picks an endpoint
 * @param pool           each endpoint's connection pool, the connect timeout included
 * @param dnsRefresh     how often DNS names are resolved again
 * @param outliers       outlier detection, or null for none
 * @param feed           for a discovered cluster, the key its endpoints are fed under ({@link EndpointFeed}); else null
 * @param autoMtls       whether a plaintext cluster's endpoints in pods with a sidecar are reached with mTLS
 *                       to that sidecar's identity ({@link EndpointInfo#identity})
 * @param localityFailoverPercent below this share of healthy endpoints among the local ones
 *                       ({@link EndpointInfo#local}), every endpoint takes requests
 * @param protocol       the HTTP version requests take to it
 */
public record ClusterSpec(List<EndpointAddress> endpoints, PeerPolicy peers, LoadBalancerKind loadBalancer,
        PoolLimits pool, Duration dnsRefresh, OutlierPolicy outliers, String feed, boolean autoMtls,
        int localityFailoverPercent, UpstreamProtocol protocol) {

    /** The share of healthy local endpoints below which Envoy fails over (overprovisioning factor 1.4). */
    public static final int DEFAULT_LOCALITY_FAILOVER_PERCENT = 70;

    ClusterSpec(List<EndpointAddress> endpoints, PeerPolicy peers, LoadBalancerKind loadBalancer, PoolLimits pool,
            Duration dnsRefresh, OutlierPolicy outliers, String feed, UpstreamProtocol protocol) {
        this(endpoints, peers, loadBalancer, pool, dnsRefresh, outliers, feed, false, DEFAULT_LOCALITY_FAILOVER_PERCENT, protocol);
    }

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._|-]*");

    /** A cluster of endpoints known only per connection: the application, or pass-through destinations. */
    public static ClusterSpec perConnection(List<EndpointAddress> endpoints) {
        return new ClusterSpec(List.copyOf(endpoints), PeerPolicy.PLAINTEXT, LoadBalancerKind.ROUND_ROBIN,
                new PoolLimits(1024, 1024, Duration.ofSeconds(60), 0, Duration.ZERO, Duration.ofSeconds(1)),
                Duration.ofSeconds(5), null, null, UpstreamProtocol.DEFAULT);
    }

    /**
     * An ExternalName Service's cluster with these settings: its one endpoint is the external DNS
     * name at the Service's port, resolved again every {@code dns-refresh} like any DNS endpoint.
     */
    public ClusterSpec external(String host, int port) {
        return new ClusterSpec(List.of(new EndpointAddress(host, port)), peers, loadBalancer, pool, dnsRefresh, outliers, null,
                protocol);
    }

    /** A discovered cluster with these settings, its endpoints fed under {@code feed}. */
    public ClusterSpec discovered(String feed) {
        return new ClusterSpec(List.of(), peers, loadBalancer, pool, dnsRefresh, outliers, feed, autoMtls, localityFailoverPercent,
                protocol);
    }

    /** These settings with discovery's own: auto mTLS, and the locality failover threshold. */
    public ClusterSpec withDiscovery(boolean autoMtls, int localityFailoverPercent) {
        return new ClusterSpec(endpoints, peers, loadBalancer, pool, dnsRefresh, outliers, feed, autoMtls, localityFailoverPercent,
                protocol);
    }

    /**
     * Compiles {@code outrigger.cluster-defaults}: the settings of every discovered cluster (its
     * endpoints, if any are given, are ignored). Null when there were problems, each reported.
     */
    public static ClusterSpec defaults(OutriggerProperties.Cluster settings, boolean identity, Problems problems) {
        String path = "outrigger.cluster-defaults";
        int before = problems.count();
        LoadBalancerKind balancer = LoadBalancerKind.fromName(settings.loadBalancer());
        if (balancer == null) {
            problems.add(path + ".load-balancer", "must be round-robin, least-request or random, was '" + settings.loadBalancer() + "'");
        }
        problems.positive(path + ".connect-timeout", settings.connectTimeout());
        PoolLimits pool = pool(settings, path + ".connection-pool", problems);
        OutlierPolicy outliers = OutlierPolicy.compile(settings.outlierDetection(), path + ".outlier-detection", problems);
        PeerPolicy peers = PeerPolicy.compile(settings.tls(), settings.peerPrincipals(), identity, path, problems);
        UpstreamProtocol protocol = UpstreamProtocol.compile(settings.protocol(), settings.h2Upgrade(), path, problems);
        return problems.count() > before ? null
                : new ClusterSpec(List.of(), peers, balancer, pool, settings.dnsRefresh(), outliers, null, protocol);
    }

    /**
     * Compiles cluster {@code name}'s settings; {@code identity} says whether the pod has an
     * identity for {@code tls: mutual}. Null when there were problems, each reported.
     */
    public static ClusterSpec compile(String name, OutriggerProperties.Cluster settings, boolean identity, Problems problems) {
        String path = "outrigger.clusters." + name;
        int before = problems.count();
        if (!NAME.matcher(name).matches()) {
            problems.add(path, "cluster names use letters, digits, '.', '_', '|' and '-'");
        }
        if (settings.endpoints().isEmpty()) {
            problems.add(path + ".endpoints", "at least one endpoint (host:port) is required");
        }
        List<EndpointAddress> endpoints = new ArrayList<>();
        for (int i = 0; i < settings.endpoints().size(); i++) {
            try {
                endpoints.add(EndpointAddress.parse(settings.endpoints().get(i)));
            } catch (IllegalArgumentException e) {
                problems.add(path + ".endpoints[" + i + "]", e.getMessage());
            }
        }
        LoadBalancerKind balancer = LoadBalancerKind.fromName(settings.loadBalancer());
        if (balancer == null) {
            problems.add(path + ".load-balancer", "must be round-robin, least-request or random, was '" + settings.loadBalancer() + "'");
        }
        problems.positive(path + ".connect-timeout", settings.connectTimeout());
        problems.positive(path + ".dns-refresh", settings.dnsRefresh());
        PoolLimits pool = pool(settings, path + ".connection-pool", problems);
        OutlierPolicy outliers = OutlierPolicy.compile(settings.outlierDetection(), path + ".outlier-detection", problems);
        PeerPolicy peers = PeerPolicy.compile(settings.tls(), settings.peerPrincipals(), identity, path, problems);
        UpstreamProtocol protocol = UpstreamProtocol.compile(settings.protocol(), settings.h2Upgrade(), path, problems);
        return problems.count() > before ? null
                : new ClusterSpec(List.copyOf(endpoints), peers, balancer, pool, settings.dnsRefresh(), outliers, null, protocol);
    }

    private static PoolLimits pool(OutriggerProperties.Cluster settings, String path, Problems problems) {
        OutriggerProperties.ConnectionPool pool = settings.connectionPool();
        problems.atLeast(path + ".max-connections", pool.maxConnections(), 1, "must be at least 1");
        problems.atLeast(path + ".max-pending-requests", pool.maxPendingRequests(), 0, "must not be negative");
        problems.positive(path + ".idle-timeout", pool.idleTimeout());
        problems.atLeast(path + ".max-requests-per-connection", pool.maxRequestsPerConnection(), 0,
                "must not be negative (0: no limit)");
        if (pool.maxConnectionDuration().isNegative()) {
            problems.add(path + ".max-connection-duration", "must not be negative (0s: no limit)");
        }
        if (pool.maxConnections() < 1 || pool.maxPendingRequests() < 0 || pool.maxRequestsPerConnection() < 0) {
            return null;
        }
        return new PoolLimits(pool.maxConnections(), pool.maxPendingRequests(), pool.idleTimeout(),
                pool.maxRequestsPerConnection(), pool.maxConnectionDuration(), settings.connectTimeout());
    }

    /** Requests the cluster may have in flight or waiting at once, over all its endpoints' pools. */
    int admissionLimit() {
        return pool.maxConnections() + pool.maxPending();
    }
}
