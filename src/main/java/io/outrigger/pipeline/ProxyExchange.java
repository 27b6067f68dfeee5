package io.outrigger.pipeline;

import java.net.InetSocketAddress;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.outrigger.cluster.Cluster;
import io.outrigger.cluster.Endpoint;
import io.outrigger.common.Direction;
import io.outrigger.routing.Route;
import io.outrigger.snapshot.Snapshot;
import io.outrigger.tls.Peer;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * One request's journey through the pipeline, with typed state instead of an attribute map. The
 * snapshot is fixed when the exchange is created, so a reload midway changes nothing for it.
 * An exchange is confined to its connection's event loop (its upstream connections and timers
 * live there too); its fields need no synchronisation.
 *
 * <p>This class holds the request's state; the downstream connection is behind the few abstract
 * methods, which {@link ServerExchange} implements on Reactor Netty for HTTP/1.1 and
 * {@code http2.StreamExchange} on an HTTP/2 stream. A test double implements them to run a
 * filter without a connection.
 */
public abstract class ProxyExchange extends ExchangeOutcome {

    private final Direction direction;
    private final String method;
    private final HttpHeaders requestHeaders;
    private final Snapshot snapshot;
    private final int loop;
    private final Scheduler scheduler;
    private final InetSocketAddress originalDestination;
    private final long startNanos = System.nanoTime();
    private final long startMillis = System.currentTimeMillis();
    private final RequestTarget target;
    private final HttpHeaders upstreamHeaders;
    private final boolean grpc;
    private HttpHeaders responseTrailers;

    private String requestId;
    private Route route;
    private Cluster cluster;
    private Peer downstreamPeer;
    private Peer upstreamPeer;
    private InetSocketAddress upstreamAddress;
    private Endpoint pinnedEndpoint;
    private Endpoint upstreamEndpoint;

    /**
     * @param uri            the request-target as the client sent it
     * @param requestHeaders the request's headers as the client sent them
     */
    protected ProxyExchange(Direction direction, String method, String uri, HttpHeaders requestHeaders, Snapshot snapshot,
            int loop, Scheduler scheduler, InetSocketAddress originalDestination) {
        this.direction = direction;
        this.method = method;
        this.requestHeaders = requestHeaders;
        this.snapshot = snapshot;
        this.loop = loop;
        this.scheduler = scheduler;
        this.originalDestination = originalDestination;
        this.target = RequestTarget.of(uri, requestHeaders.get(HttpHeaderNames.HOST));
        this.upstreamHeaders = HopByHop.copyForUpstream(requestHeaders);
        String contentType = requestHeaders.get(HttpHeaderNames.CONTENT_TYPE);
        this.grpc = contentType != null && contentType.regionMatches(true, 0, "application/grpc", 0, 16);
        if (grpc) {
            countGrpcMessages();
        }
        if (target.absoluteForm()) {
            // RFC 9112 section 3.2.2: a proxy replaces Host with the absolute target's authority.
            upstreamHeaders.set(HttpHeaderNames.HOST, target.authority());
        }
    }

    public Direction direction() {
        return direction;
    }

    /** The whole request body, once it has all arrived; the caller owns the buffer. */
    public abstract Mono<ByteBuf> receiveWholeBody();

    /** The request body as it arrives, with backpressure; the subscriber owns each buffer. */
    public abstract Flux<ByteBuf> receiveBody();

    /**
     * Sends the response: {@code status}, {@link #responseHeaders()}, the body, and then the
     * {@link #responseTrailers()} set by the time the body completes (where the protocol carries them).
     */
    public abstract Mono<Void> sendResponse(int status, Publisher<ByteBuf> body);

    /** The protocol the client spoke ({@code HTTP/1.1}, {@code HTTP/2}). */
    public abstract String protocol();

    /** The headers of the response going downstream, relayed or local; changeable until it is committed. */
    public abstract HttpHeaders responseHeaders();

    /** Whether the response's status and headers have gone downstream already. */
    public abstract boolean responseStarted();

    /** Writes a local reply, plain text (see {@link LocalReply}); the response has not started. */
    protected abstract Mono<Void> writeLocalReply(int status, byte[] body);

    /**
     * Breaks the response off: the only honest signal once it has started. HTTP/1.1 closes the
     * connection; HTTP/2 resets the stream only.
     */
    public abstract void abortDownstream();

    /**
     * The downstream connection, handed over whole once the upstream switched protocols (a
     * WebSocket): from here the caller owns it and the pipeline writes nothing more on it. Null
     * where the connection is not this exchange's alone to give (an HTTP/2 stream).
     */
    public Channel takeOverConnection() {
        return null;
    }

    /** Whether the client spoke HTTP/2 on this exchange's stream. */
    public boolean http2() {
        return false;
    }

    /** Whether the upstream hop speaks HTTP/2: the client did, and the port did not say {@code http}. */
    public boolean upstreamHttp2() {
        return false;
    }

    /** Whether the request is gRPC ({@code content-type: application/grpc...}). */
    public boolean grpc() {
        return grpc;
    }

    /** Trailers to send after the response body (an upstream's, relayed), or null. */
    public HttpHeaders responseTrailers() {
        return responseTrailers;
    }

    public void responseTrailers(HttpHeaders trailers) {
        this.responseTrailers = trailers;
    }

    /** The request's headers as the client sent them. */
    public HttpHeaders requestHeaders() {
        return requestHeaders;
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
        return method;
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

    /** The one endpoint this request must go to (a headless Service's pod the client chose), or null. */
    public Endpoint pinnedEndpoint() {
        return pinnedEndpoint;
    }

    public void pinnedEndpoint(Endpoint endpoint) {
        this.pinnedEndpoint = endpoint;
    }

    /** The endpoint of the latest attempt, or null before one. */
    public Endpoint upstreamEndpoint() {
        return upstreamEndpoint;
    }

    public void upstreamEndpoint(Endpoint endpoint) {
        this.upstreamEndpoint = endpoint;
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
        // The endpoint's policy: the cluster's mTLS, or auto mTLS to the sidecar in its pod (known
        // even when the attempt failed before a peer was verified).
        if (upstreamEndpoint != null) {
            return upstreamEndpoint.peers().mutual();
        }
        return upstreamPeer != null || cluster != null && cluster.spec().peers().mutual();
    }
}
