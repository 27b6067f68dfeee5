package io.outrigger.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.springframework.util.unit.DataSize;

import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The {@code outrigger.*} property tree as the user writes it. This is the settings form only:
 * it is bound fresh on every reload, and each concern compiles its part of it into the immutable
 * snapshot the proxy runs on. Nothing on the request path reads these records.
 */
public record OutriggerProperties(
        @DefaultValue Identity identity,
        @DefaultValue Tls tls,
        @DefaultValue Inbound inbound,
        @DefaultValue Outbound outbound,
        @DefaultValue List<Route> routes,
        @DefaultValue List<TcpRoute> tcpRoutes,
        @DefaultValue Map<String, Cluster> clusters,
        @DefaultValue AccessLog accessLog,
        @DefaultValue Drain drain,
        @DefaultValue Discovery discovery,
        @DefaultValue Cluster clusterDefaults) {

    /**
     * Who this pod is, for metric labels. In Kubernetes the manifests set these from the downward
     * API ({@code OUTRIGGER_IDENTITY_NAMESPACE} and so on); what is not set is "unknown", as in Istio.
     * {@code zone} is this pod's zone, for locality; unset, discovery reads it from the label
     * {@code topology.kubernetes.io/zone} of {@code node} (the manifests set it from {@code spec.nodeName}).
     */
    public record Identity(
            @DefaultValue("cluster.local") String trustDomain,
            @DefaultValue("unknown") String workload,
            @DefaultValue("unknown") String namespace,
            @DefaultValue("unknown") String serviceAccount,
            @DefaultValue("unknown") String service,
            String pod,
            String podUid,
            String node,
            String zone) {

        /** The pod's name: as set ({@code OUTRIGGER_IDENTITY_POD}), else the host name Kubernetes gives it. */
        public String pod() {
            if (pod != null && !pod.isBlank()) {
                return pod;
            }
            String host = System.getenv("HOSTNAME");
            return host != null && !host.isBlank() ? host : "unknown";
        }
    }

    /**
     * The pod's SPIFFE identity: PEM files, replaced in place when rotated (an atomic rename or
     * the kubelet's symlink swap). Unset: no mutual TLS, either way.
     */
    public record Tls(String certChain, String privateKey, String trustBundle) {

        public boolean configured() {
            return certChain != null || privateKey != null || trustBundle != null;
        }
    }

    public record Inbound(
            @DefaultValue("15006") int port,
            @DefaultValue("127.0.0.1") String appAddress,
            @DefaultValue("8080") int appPort,
            @DefaultValue("PERMISSIVE") String tlsMode,
            @DefaultValue Authorization authorization,
            @DefaultValue Map<String, Port> ports,
            @DefaultValue("100ms") Duration protocolDetectionTimeout,
            @DefaultValue Limits limits) {
    }

    /** Outbound, {@code ports} are destination ports: the protocol of what the application calls there. */
    public record Outbound(
            @DefaultValue("15001") int port,
            @DefaultValue("allow-any") String mode,
            @DefaultValue Map<String, Port> ports,
            @DefaultValue("100ms") Duration protocolDetectionTimeout,
            @DefaultValue Limits limits) {
    }

    /**
     * One port's settings: {@code auto} (sniff the first bytes), {@code http}, {@code http2} or
     * {@code tcp}; inbound, a {@code tls-mode} of its own (unset: the listener's).
     */
    public record Port(@DefaultValue("auto") String protocol, String tlsMode) {
    }

    /** Who may call the application, by SPIFFE ID, exact or with {@code *} globs; empty: anyone. */
    public record Authorization(@DefaultValue List<String> allowPrincipals) {
    }

    /** Per-listener protection against oversized or slow requests. */
    public record Limits(
            @DefaultValue("60KB") DataSize maxRequestHeadersSize,
            @DefaultValue("16KB") DataSize maxInitialLineLength,
            @DefaultValue("300s") Duration idleTimeout,
            @DefaultValue("1h") Duration tcpIdleTimeout,
            @DefaultValue("10000") int maxConnections,
            @DefaultValue("10s") Duration requestHeadersTimeout,
            @DefaultValue("100") int maxConcurrentStreams,
            @DefaultValue("1MB") DataSize http2StreamWindow,
            @DefaultValue("1h") Duration streamIdleTimeout) {
    }

    public record Route(
            String name,
            @DefaultValue List<String> hosts,
            @DefaultValue List<Match> match,
            @DefaultValue List<Destination> route,
            Duration timeout,
            Retries retries,
            Fault fault,
            @DefaultValue Headers headers,
            @DefaultValue("true") boolean websocket) {
    }

    /** One alternative of a route's match list; every field set in it must hold. */
    public record Match(StringMatch uri, String method, @DefaultValue Map<String, StringMatch> headers) {
    }

    /** Exactly one of these is set; {@code present: true} only checks that a header exists. */
    public record StringMatch(String exact, String prefix, String regex, Boolean present) {
    }

    /**
     * Where a route sends its share of requests: a {@code cluster}, or a discovered Kubernetes
     * {@code service} ({@code name} in the pod's own namespace, or {@code name.namespace}) at
     * {@code port}, as Gateway API's backendRefs name them.
     */
    public record Destination(String cluster, String service, Integer port, @DefaultValue("100") int weight) {
    }

    public record Retries(
            Integer attempts,
            Duration perTryTimeout,
            String retryOn,
            @DefaultValue List<Integer> retriableStatusCodes) {
    }

    public record Fault(Delay delay, Abort abort) {
        public record Delay(@DefaultValue("100") double percent, Duration fixedDelay) {
        }

        public record Abort(@DefaultValue("100") double percent, Integer httpStatus) {
        }
    }

    public record Headers(@DefaultValue HeaderOperations request, @DefaultValue HeaderOperations response) {
    }

    public record HeaderOperations(
            @DefaultValue Map<String, String> set,
            @DefaultValue Map<String, String> add,
            @DefaultValue List<String> remove) {
    }

    /**
     * Outbound TCP to {@code port}, and to {@code address} (an IP or a CIDR block) when given, goes
     * to {@code cluster}. Such a destination is TCP: its connections are not sniffed.
     */
    public record TcpRoute(String name, Integer port, String address, String cluster) {
    }

    /**
     * @param tls            {@code none}, or {@code mutual}: Outrigger's mTLS to the peer's sidecar
     * @param peerPrincipals the SPIFFE IDs the peer may have (globs allowed); empty: any in the
     *                       pod's own trust domain
     */
    public record Cluster(
            @DefaultValue List<String> endpoints,
            @DefaultValue("none") String tls,
            @DefaultValue List<String> peerPrincipals,
            @DefaultValue("round-robin") String loadBalancer,
            @DefaultValue("1s") Duration connectTimeout,
            @DefaultValue("5s") Duration dnsRefresh,
            @DefaultValue ConnectionPool connectionPool,
            OutlierDetection outlierDetection,
            @DefaultValue("auto") String protocol,
            @DefaultValue("false") boolean h2Upgrade) {

        /** Whether connections to this cluster are mTLS between sidecars ({@code tls: mutual}). */
        public boolean mutualTls() {
            return "mutual".equals(tls);
        }
    }

    /**
     * Ejects an endpoint that keeps failing, as Envoy's outlier detection does (unset: off).
     *
     * @param consecutive5xx           5xx answers (connect failures and resets included) in a row that eject; 0: not this way
     * @param consecutiveGatewayErrors 502, 503, 504 (and connect failures, resets) in a row that eject; 0: not this way
     * @param interval                 how often ejections are reviewed (and ended)
     * @param baseEjectionTime         the first ejection's length; the n-th lasts n times as long
     * @param maxEjectionPercent       at most this share of the cluster's endpoints is ejected at once (but one always may be)
     */
    public record OutlierDetection(
            @DefaultValue("5") int consecutive5xx,
            @DefaultValue("0") int consecutiveGatewayErrors,
            @DefaultValue("10s") Duration interval,
            @DefaultValue("30s") Duration baseEjectionTime,
            @DefaultValue("10") int maxEjectionPercent) {
    }

    /**
     * A cluster's connection pools, as Istio's {@code DestinationRule} {@code connectionPool.http}.
     *
     * @param maxConnections           connections open at once to each endpoint (shared out over the event loops);
     *                                 with max-pending-requests, also the cluster's limit on requests in flight
     * @param maxPendingRequests       requests waiting for a connection at once; beyond, 503 UO
     * @param idleTimeout              an unused connection is closed after this long
     * @param maxRequestsPerConnection requests a connection carries before it closes (0: no limit)
     * @param maxConnectionDuration    age at which a connection closes once its request ends (0s: no limit)
     */
    public record ConnectionPool(
            @DefaultValue("1024") int maxConnections,
            @DefaultValue("1024") int maxPendingRequests,
            @DefaultValue("60s") Duration idleTimeout,
            @DefaultValue("0") int maxRequestsPerConnection,
            @DefaultValue("0s") Duration maxConnectionDuration) {
    }

    public record AccessLog(@DefaultValue("true") boolean enabled, @DefaultValue("text") String format) {
    }

    /**
     * Kubernetes Services and EndpointSlices as clusters and endpoints. Off unless enabled (the
     * manifests enable it); it needs the API server and RBAC to list and watch both.
     *
     * @param namespaces      where to read them; empty: every namespace
     * @param clusterDomain   the cluster's DNS domain, as in {@code NAME.NS.svc.DOMAIN}
     * @param autoMtls        reach the endpoints of pods that run Outrigger (labelled
     *                        {@code security.outrigger.io/tlsMode=outrigger}) with mutual TLS, when
     *                        this pod has an identity
     * @param preferSameZone  send to endpoints in this pod's zone first ({@code outrigger.identity.zone});
     *                        a Service's topology hints or {@code trafficDistribution: PreferClose}
     *                        are honoured either way
     * @param localityFailoverPercent below this share of healthy endpoints in the preferred zone,
     *                        requests go to every zone (Envoy's overprovisioning factor 1.4 gives 72%)
     */
    public record Discovery(
            @DefaultValue("false") boolean enabled,
            @DefaultValue List<String> namespaces,
            @DefaultValue("cluster.local") String clusterDomain,
            @DefaultValue("true") boolean autoMtls,
            @DefaultValue("true") boolean preferSameZone,
            @DefaultValue("70") int localityFailoverPercent) {
    }

    /** Shutdown: how long requests in flight may take to finish once draining starts. */
    public record Drain(@DefaultValue("5s") Duration timeout) {
    }
}
