package io.outrigger.cluster;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.netty.channel.ChannelOption;
import io.outrigger.config.OutriggerProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

/**
 * A named group of upstream endpoints with one connection pool, one load balancer and, for DNS
 * names, periodic re-resolution. The endpoint list is immutable and replaced in one write, only
 * when the resolved addresses changed. A cluster outlives snapshots whose config for it is
 * unchanged, so a reload keeps its warm connections.
 */
public final class Cluster implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Cluster.class);
    static final int MAX_RESPONSE_HEADERS = 64 * 1024;

    private final String name;
    private final OutriggerProperties.Cluster config;
    private final ConnectionProvider pool;
    private final HttpClient client;
    private final LoadBalancer balancer;
    private final List<EndpointAddress> configured;
    private final AddressResolver resolver;
    private final ScheduledFuture<?> refresh;
    private volatile List<Endpoint> endpoints = List.of();

    Cluster(String name, OutriggerProperties.Cluster config, LoopResources loops, ScheduledExecutorService dns,
            AddressResolver resolver) {
        this.name = name;
        this.resolver = resolver;
        this.config = config;
        OutriggerProperties.ConnectionPool limits = config.connectionPool();
        this.pool = ConnectionProvider.builder("outrigger-" + name)
                .maxConnections(limits.maxConnections())
                .pendingAcquireMaxCount(limits.maxPendingRequests())
                .maxIdleTime(limits.idleTimeout())
                .evictInBackground(limits.idleTimeout())
                .build();
        this.client = HttpClient.create(pool)
                .runOn(loops)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, config.connectTimeout().toMillis()))
                .disableRetry(true)
                .followRedirect(false)
                .httpResponseDecoder(spec -> spec.maxHeaderSize(MAX_RESPONSE_HEADERS));
        this.balancer = LoadBalancerKind.fromName(config.loadBalancer()).create();
        this.configured = config.endpoints().stream().map(EndpointAddress::parse).toList();
        resolve();
        boolean needsDns = configured.stream().anyMatch(a -> !a.isIpLiteral());
        Duration every = config.dnsRefresh();
        this.refresh = needsDns
                ? dns.scheduleWithFixedDelay(this::resolve, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS)
                : null;
    }

    public String name() {
        return name;
    }

    public OutriggerProperties.Cluster config() {
        return config;
    }

    public List<Endpoint> endpoints() {
        return endpoints;
    }

    /** The endpoint for the next request, or null when the cluster has no address at all. */
    public Endpoint pick() {
        List<Endpoint> current = endpoints;
        return current.isEmpty() ? null : balancer.pick(current);
    }

    /** Resolves every configured name (blocking: runs at build time and on the DNS thread). */
    void resolve() {
        Set<InetSocketAddress> addresses = new LinkedHashSet<>();
        for (EndpointAddress endpoint : configured) {
            try {
                InetAddress[] found = endpoint.isIpLiteral()
                        ? new InetAddress[] {InetAddress.getByName(endpoint.host())}   // a literal: no lookup
                        : resolver.resolve(endpoint.host());
                for (InetAddress address : found) {
                    addresses.add(new InetSocketAddress(address, endpoint.port()));
                }
            } catch (UnknownHostException e) {
                log.warn("cluster {}: endpoint {} does not resolve: {}", name, endpoint, e.getMessage());
            }
        }
        List<Endpoint> current = endpoints;
        if (current.stream().map(Endpoint::address).toList().equals(List.copyOf(addresses))) {
            return;
        }
        Map<InetSocketAddress, Endpoint> kept = new HashMap<>();
        current.forEach(e -> kept.put(e.address(), e));
        List<Endpoint> next = new ArrayList<>(addresses.size());
        for (InetSocketAddress address : addresses) {
            Endpoint existing = kept.get(address);
            next.add(existing != null ? existing : new Endpoint(address, client));
        }
        endpoints = List.copyOf(next);
        log.info("cluster {}: endpoints {}", name, endpoints);
    }

    @Override
    public void close() {
        if (refresh != null) {
            refresh.cancel(false);
        }
        // Connections in use are closed when released, so requests in flight still finish.
        pool.disposeLater().subscribe();
    }
}
