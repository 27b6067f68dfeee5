package io.outrigger.pipeline;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.outrigger.cluster.Cluster;
import io.outrigger.common.Direction;
import io.outrigger.common.ResponseFlag;
import io.outrigger.routing.Route;
import io.outrigger.snapshot.Snapshot;
import io.outrigger.tls.Peer;
import reactor.core.scheduler.Scheduler;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * One request's journey through the pipeline, with typed state instead of an attribute map. The
 * snapshot is fixed when the exchange is created, so a reload midway changes nothing for it.
 * An exchange is confined to its connection's event loop (its upstream connections and timers
 * live there too); its fields need no synchronisation.
 */
public final class ProxyExchange {

    private final Direction direction;
    private final HttpServerRequest request;
    private final HttpServerResponse response;
    private final Snapshot snapshot;
    private final int loop;
    private final Scheduler scheduler;
    private final InetSocketAddress originalDestination;
    private final long startNanos = System.nanoTime();
    private final long startMillis = System.currentTimeMillis();
    private final RequestTarget target;
    private final HttpHeaders upstreamHeaders;

    private String requestId;
    private Route route;
    private Cluster cluster;
    private String upstreamHost;
    private Peer downstreamPeer;
    private Peer upstreamPeer;
    private InetSocketAddress upstreamAddress;
    private int status;
    private int flags;
    private int grpcStatus = -1;
    private int retries;
    private int ejections;
    private boolean retryRefused;
    private long bytesReceived;
    private long bytesSent;
    private List<Runnable> beforeCommit;
    private boolean responseComplete;

    public ProxyExchange(Direction direction, HttpServerRequest request, HttpServerResponse response, Snapshot snapshot,
            int loop, Scheduler scheduler, InetSocketAddress originalDestination) {
        this.direction = direction;
        this.request = request;
        this.response = response;
        this.snapshot = snapshot;
        this.loop = loop;
        this.scheduler = scheduler;
        this.originalDestination = originalDestination;
        this.target = RequestTarget.of(request);
        this.upstreamHeaders = HopByHop.copyForUpstream(request.requestHeaders());
        if (target.absoluteForm()) {
            // RFC 9112 section 3.2.2: a proxy replaces Host with the absolute target's authority.
            upstreamHeaders.set(HttpHeaderNames.HOST, target.authority());
        }
    }

    public Direction direction() {
        return direction;
    }

    public HttpServerRequest request() {
        return request;
    }

    public HttpServerResponse response() {
        return response;
    }

    /** The configuration this request runs on, from its first filter to its last byte. */
    public Snapshot snapshot() {
        return snapshot;
    }

    /** The number of the event loop serving this request; upstream clients are picked by it. */
    public int loop() {
        return loop;
    }

    /** The connection's event loop as a scheduler: timers fire on the thread that owns the request. */
    public Scheduler scheduler() {
        return scheduler;
    }

    /** Where the client meant to connect before iptables redirected it; null when it was not redirected. */
    public InetSocketAddress originalDestination() {
        return originalDestination;
    }

    public String method() {
        return request.method().name();
    }

    /** The authority the request names (Host header, or the authority of an absolute-form target). */
    public String authority() {
        return target.authority();
    }

    /** The path without the query string, which route matching looks at. */
    public String path() {
        return target.path();
    }

    /** Path and query, as sent upstream. */
    public String pathAndQuery() {
        return target.pathAndQuery();
    }

    /** Whether the request-target is one a proxy can forward (see {@link RequestTarget#valid()}). */
    public boolean targetValid() {
        return target.valid();
    }

    /** The headers that will be sent upstream: the request's, minus hop-by-hop ones. Filters may change them. */
    public HttpHeaders upstreamHeaders() {
        return upstreamHeaders;
    }

    public long startNanos() {
        return startNanos;
    }

    public long startMillis() {
        return startMillis;
    }

    public String requestId() {
        return requestId;
    }

    public void requestId(String requestId) {
        this.requestId = requestId;
    }

    /** The matched route; null until routing ran, or when nothing matched. */
    public Route route() {
        return route;
    }

    public void route(Route route) {
        this.route = route;
    }

    /** The cluster chosen among the route's destinations. */
    public Cluster cluster() {
        return cluster;
    }

    public void cluster(Cluster cluster) {
        this.cluster = cluster;
    }

    /** Where to connect when the route names no fixed endpoints (inbound, pass-through); else null. */
    public InetSocketAddress upstreamAddress() {
        return upstreamAddress;
    }

    public void upstreamAddress(InetSocketAddress upstreamAddress) {
        this.upstreamAddress = upstreamAddress;
    }

    /** Inbound: the calling sidecar's verified identity, when it came over mTLS; else null. */
    public Peer downstreamPeer() {
        return downstreamPeer;
    }

    public void downstreamPeer(Peer peer) {
        this.downstreamPeer = peer;
    }

    /** Outbound: the upstream sidecar's verified identity, when the cluster is mTLS; else null. */
    public Peer upstreamPeer() {
        return upstreamPeer;
    }

    public void upstreamPeer(Peer peer) {
        this.upstreamPeer = peer;
    }

    /** The other side's identity: the caller's inbound, the callee's outbound; null when unknown. */
    public String peerPrincipal() {
        Peer peer = direction == Direction.INBOUND ? downstreamPeer : upstreamPeer;
        return peer == null ? null : peer.spiffeId();
    }

    /** Whether this exchange's hop between sidecars is mutual TLS. */
    public boolean mutualTls() {
        if (direction == Direction.INBOUND) {
            return downstreamPeer != null;
        }
        return cluster != null && cluster.spec().peers().mutual();
    }

    public String upstreamHost() {
        return upstreamHost;
    }

    public void upstreamHost(String upstreamHost) {
        this.upstreamHost = upstreamHost;
    }

    /** The status sent downstream; 0 while none was. */
    public int status() {
        return status;
    }

    public void status(int status) {
        this.status = status;
    }

    public void addFlag(ResponseFlag flag) {
        flags |= flag.bit();
    }

    public boolean hasFlag(ResponseFlag flag) {
        return (flags & flag.bit()) != 0;
    }

    public String flags() {
        return ResponseFlag.format(flags);
    }

    /** The flags as a bit set, for lookups that must not build a string. */
    public int flagBits() {
        return flags;
    }

    /** The gRPC status the response carried in its headers, or -1. */
    public int grpcStatus() {
        return grpcStatus;
    }

    public void grpcStatus(int grpcStatus) {
        this.grpcStatus = grpcStatus;
    }

    public int retries() {
        return retries;
    }

    public void retried() {
        retries++;
    }

    /** Endpoints this exchange's answers got ejected by outlier detection (0 or 1, nearly always). */
    public int ejections() {
        return ejections;
    }

    public void ejected() {
        ejections++;
    }

    /** Whether a retry was refused because the cluster's retry budget was spent. */
    public boolean retryBudgetRefused() {
        return retryRefused;
    }

    public void refuseRetryByBudget() {
        retryRefused = true;
    }

    public long bytesReceived() {
        return bytesReceived;
    }

    public void addBytesReceived(long bytes) {
        bytesReceived += bytes;
    }

    public long bytesSent() {
        return bytesSent;
    }

    public void addBytesSent(long bytes) {
        bytesSent += bytes;
    }

    /** The whole response, last byte included, has been handed to the downstream connection. */
    public void responseComplete() {
        responseComplete = true;
    }

    public boolean isResponseComplete() {
        return responseComplete;
    }

    /** Runs {@code action} just before the response status and headers are written downstream. */
    public void beforeCommit(Runnable action) {
        if (beforeCommit == null) {
            beforeCommit = new ArrayList<>(2);
        }
        beforeCommit.add(action);
    }

    /** Called once by whoever writes the response headers. */
    public void commit(int status) {
        this.status = status;
        if (beforeCommit != null) {
            beforeCommit.forEach(Runnable::run);
        }
    }
}
