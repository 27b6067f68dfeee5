package io.outrigger.cluster;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.outrigger.netty.EventLoops;
import io.outrigger.tls.PeerPolicy;
import io.outrigger.tls.UpstreamTls;
import io.outrigger.upstream.EndpointConnections;
import io.outrigger.upstream.UpstreamClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A named group of upstream endpoints with their connection pools, one load balancer and, for DNS
 * names, periodic re-resolution. The endpoint list is immutable and replaced in one write, only
 * when the resolved addresses changed. A cluster outlives snapshots whose config for it is
 * unchanged, so a reload keeps its warm connections.
 */
public final class Cluster implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Cluster.class);
    static final int MAX_DYNAMIC_ENDPOINTS = 1024;

    private final String name;
    private final ClusterSpec spec;
    private final UpstreamClient client;
    private final UpstreamTls tls;
    private final Map<InetSocketAddress, Endpoint> dynamic = new java.util.concurrent.ConcurrentHashMap<>();
    private final LoadBalancer balancer;
    private final ConfiguredEndpoints configured;
    private final ScheduledFuture<?> refresh;
    private final EndpointFeed.Subscription feed;
    private final OutlierDetector outliers;
    private final RetryBudget retryBudget = new RetryBudget(this::activeRequests);
    private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicLong lastDynamicSweep = new java.util.concurrent.atomic.AtomicLong(System.nanoTime() - TimeUnit.SECONDS.toNanos(1));
    private volatile Members members = Members.NONE;

    Cluster(String name, ClusterSpec spec, EventLoops loops, ScheduledExecutorService dns,
            AddressResolver resolver, UpstreamTls tls, EndpointFeed endpointFeed) {
        this.name = name;
        this.spec = spec;
        // Each endpoint gets one pool per event loop: a request takes upstream connections only
        // from its own loop's pool, so it never hops threads. The limits are shared out over the loops.
        this.client = new UpstreamClient(loops, spec.pool(), tls.forPeers(spec.peers()));
        this.tls = tls;
        this.balancer = spec.loadBalancer().create();
        this.configured = new ConfiguredEndpoints(name, spec.endpoints(), resolver);
        resolve();
        Duration every = spec.dnsRefresh();
        this.refresh = configured.needsDns()
                ? dns.scheduleWithFixedDelay(this::resolve, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS)
                : null;
        // A discovered cluster's endpoints are pushed to it, the current ones before this returns.
        this.feed = spec.feed() == null ? null : endpointFeed.subscribe(spec.feed(), this::update);
        this.outliers = spec.outliers() == null ? null : new OutlierDetector(name, spec.outliers(), this::endpoints, dns);
    }

    public String name() {
        return name;
    }

    /** The compiled settings the cluster was built from. */
    public ClusterSpec spec() {
        return spec;
    }

    public List<Endpoint> endpoints() {
        return members.all();
    }

    /** The cluster's own endpoint at {@code address} (a headless Service's pod the client chose), or null. */
    public Endpoint endpointAt(InetSocketAddress address) {
        return members.byAddress().get(address);
    }

    /**
     * The endpoint for an address known only per connection (the application port of an inbound
     * connection, the original destination of a pass-through one, a headless Service's pod): one
     * of the cluster's own if it is one, else one kept for reuse up to a bound, so arbitrary
     * destinations cannot grow the cache without limit.
     */
    public Endpoint endpointFor(InetSocketAddress address) {
        Endpoint own = endpointAt(address);
        if (own != null) {
            return own;
        }
        Endpoint endpoint = dynamic.get(address);
        if (endpoint == null) {
            endpoint = new Endpoint(address, client.connectionsTo(address));
            if (dynamic.size() >= MAX_DYNAMIC_ENDPOINTS) {
                forgetUnusedDynamicEndpoints();
            }
            if (dynamic.size() < MAX_DYNAMIC_ENDPOINTS) {
                Endpoint raced = dynamic.putIfAbsent(address, endpoint);
                if (raced != null) {
                    endpoint.connections().close();
                    endpoint = raced;
                }
            } else {
                endpoint.connections().retire();   // not kept: its connection closes after the request
            }
        }
        return endpoint;
    }

    /**
     * Makes room among the kept per-connection endpoints: those with no request in flight and no
     * connection left (their idle ones timed out) are dropped. At most once a second, as it walks
     * them all.
     */
    private void forgetUnusedDynamicEndpoints() {
        long now = System.nanoTime();
        long last = lastDynamicSweep.get();
        if (now - last < TimeUnit.SECONDS.toNanos(1) || !lastDynamicSweep.compareAndSet(last, now)) {
            return;
        }
        dynamic.values().removeIf(endpoint -> {
            EndpointConnections.Counts counts = endpoint.connections().counts();
            boolean unused = endpoint.activeRequests() == 0 && counts.active() + counts.idle() + counts.pending() == 0;
            if (unused) {
                endpoint.connections().retire();   // a request that just picked it still gets served
            }
            return unused;
        });
    }

    /** Connections to {@code endpoint} in use, idle and waited for, over every event loop. */
    public EndpointConnections.Counts poolUse(Endpoint endpoint) {
        return endpoint.connections().counts();
    }

    /**
     * The endpoint for the next request, or null when the cluster has no address at all. Local
     * endpoints first, ejected ones passed by ({@link Members#candidates}).
     */
    public Endpoint pick() {
        Members current = members;
        if (current.all().isEmpty()) {
            return null;
        }
        boolean anyEjected = outliers != null && outliers.anyEjected();
        return balancer.pick(current.candidates(anyEjected, spec.localityFailoverPercent()));
    }

    /**
     * Envoy's circuit breaker for HTTP/1.1, over the whole cluster: a request takes a place among
     * max-connections (being served) plus max-pending-requests (waiting for a connection); with
     * none left it is refused at once (503 UO) rather than queued without bound.
     */
    public boolean tryStartRequest() {
        int limit = spec.admissionLimit();
        while (true) {
            int now = inFlight.get();
            if (now >= limit) {
                return false;
            }
            if (inFlight.compareAndSet(now, now + 1)) {
                return true;
            }
        }
    }

    public void requestFinished() {
        inFlight.decrementAndGet();
    }

    /** Takes a place for one retry in progress under the cluster's retry budget; false when spent. */
    public boolean tryStartRetry() {
        return retryBudget.tryAcquire();
    }

    /** Gives back a place taken by {@link #tryStartRetry}. */
    public void retryFinished() {
        retryBudget.release();
    }

    private int activeRequests() {
        int active = 0;
        for (Endpoint endpoint : endpoints()) {
            active += endpoint.activeRequests();
        }
        for (Endpoint endpoint : dynamic.values()) {
            active += endpoint.activeRequests();
        }
        return active;
    }

    /**
     * Counts an answer of {@code endpoint} for outlier detection: its status, or 503 for a
     * connection that failed or was reset. True when it ejected the endpoint.
     */
    public boolean observe(Endpoint endpoint, int status) {
        return outliers != null && endpoints().contains(endpoint) && outliers.observe(endpoint, status);
    }

    /** Resolves every configured name (blocking: runs at build time and on the DNS thread). */
    private void resolve() {
        replace(configured.resolve(), Map.of());
    }

    /** Takes the endpoints discovery pushed: those that take traffic, with their pod, zone and state. */
    private void update(List<EndpointInfo> discovered) {
        Map<InetSocketAddress, EndpointInfo> infos = new LinkedHashMap<>();
        discovered.forEach(info -> infos.put(info.address(), info));
        replace(infos.keySet(), infos);
    }

    /**
     * Makes {@code addresses} the endpoint list in one write. An address already listed, and to be
     * reached the same way, keeps its endpoint (warm connections, outlier state, requests in
     * flight); one no longer listed takes no new request, finishes those it has, and then its
     * connections close.
     */
    private synchronized void replace(Collection<InetSocketAddress> addresses, Map<InetSocketAddress, EndpointInfo> infos) {
        List<Endpoint> current = members.all();
        Map<InetSocketAddress, Endpoint> kept = new HashMap<>();
        current.forEach(e -> kept.put(e.address(), e));
        List<Endpoint> next = new ArrayList<>(addresses.size());
        for (InetSocketAddress address : addresses) {
            EndpointInfo info = infos.get(address);
            PeerPolicy peers = peersFor(info);
            Endpoint existing = kept.get(address);
            Endpoint endpoint = existing != null && existing.peers().equals(peers) ? kept.remove(address)
                    : new Endpoint(address, peers == spec.peers() ? client.connectionsTo(address)
                            : client.connectionsTo(address, tls.forPeers(peers)), peers);
            endpoint.info(info);
            next.add(endpoint);
        }
        boolean same = next.equals(current);
        members = Members.of(next);
        kept.values().forEach(gone -> gone.connections().retire());
        if (!same) {
            log.info("cluster {}: endpoints {}", name, next);
        }
    }

    /**
     * How an endpoint is reached: as the cluster says, or, for a plaintext cluster with auto mTLS,
     * with mutual TLS to the sidecar discovery found in its pod, whose identity must be the one its
     * service account gives.
     */
    private PeerPolicy peersFor(EndpointInfo info) {
        if (spec.peers().mutual() || !spec.autoMtls() || info == null || info.identity() == null) {
            return spec.peers();
        }
        return new PeerPolicy(true, List.of(info.identity()));
    }

    @Override
    public void close() {
        if (refresh != null) {
            refresh.cancel(false);
        }
        if (feed != null) {
            feed.close();
        }
        if (outliers != null) {
            outliers.close();
        }
        // Connections in use are closed when their exchange ends, so requests in flight still finish.
        endpoints().forEach(endpoint -> endpoint.connections().close());
        dynamic.values().forEach(endpoint -> endpoint.connections().close());
    }
}
