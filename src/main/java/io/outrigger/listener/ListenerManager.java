package io.outrigger.listener;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.outrigger.common.Direction;
import io.outrigger.config.OutriggerProperties;
import io.outrigger.http2.Http2Server;
import io.outrigger.interception.OriginalDestination;
import io.outrigger.netty.EventLoops;
import io.outrigger.pipeline.ProxyFilterChain;
import io.outrigger.snapshot.ListenerPlan;
import io.outrigger.snapshot.Snapshot;
import io.outrigger.snapshot.SnapshotHolder;
import io.outrigger.tcp.TcpProxy;
import io.outrigger.common.MeterCatalog;
import io.outrigger.telemetry.TcpMetrics;
import io.outrigger.tls.MutualTls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * Binds the outbound (15001) and inbound (15006) listeners when the application starts and
 * closes them when it stops. Each connection is HTTP or TCP, as its port says or its first bytes
 * show ({@link InboundPath}, {@link OutboundPath}). Ports and listener limits are read once, at bind time: a reload
 * changes routes and clusters, never a listening socket.
 *
 * <p>Draining closes the inbound listening socket (new connections are refused), every inbound
 * HTTP/2 connection gets {@code GOAWAY}, and every inbound HTTP/1.1 response from then on says
 * {@code Connection: close}, so each open connection ends after its requests in flight; whatever
 * is still open at the drain timeout is closed. The outbound
 * listener keeps serving the application meanwhile.
 */
public final class ListenerManager implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ListenerManager.class);

    private final SnapshotHolder snapshots;
    private final EventLoops loops;
    private final ProxyFilterChain outboundChain;
    private final ProxyFilterChain inboundChain;
    private final OriginalDestination originalDestination;
    private final Supplier<OutriggerProperties> fallbackConfig;
    private final TcpProxy tcpProxy;
    private final TcpMetrics tcpMetrics;
    private final MutualTls mtls;
    private final MeterRegistry registry;
    private final Listener outbound = new Listener(Direction.OUTBOUND);
    private final Listener inbound = new Listener(Direction.INBOUND);
    private volatile boolean draining;

    public ListenerManager(SnapshotHolder snapshots, EventLoops loops, ProxyFilterChain outboundChain,
            ProxyFilterChain inboundChain, OriginalDestination originalDestination,
            Supplier<OutriggerProperties> fallbackConfig, TcpProxy tcpProxy, TcpMetrics tcpMetrics, MutualTls mtls,
            MeterRegistry registry) {
        this.mtls = mtls;
        this.registry = registry;
        this.snapshots = snapshots;
        this.tcpProxy = tcpProxy;
        this.tcpMetrics = tcpMetrics;
        this.loops = loops;
        this.outboundChain = outboundChain;
        this.inboundChain = inboundChain;
        this.originalDestination = originalDestination;
        this.fallbackConfig = fallbackConfig;
    }

    @Override
    public void start() {
        Snapshot snapshot = snapshots.current();
        // With no valid config yet, the listeners still come up (on the ports the config names, if
        // it binds, else the defaults) and answer 502 NR until a valid config arrives.
        ListenerPlan out = snapshot != null ? snapshot.outboundListener() : ListenerPlan.fallback(fallbackConfig.get(), Direction.OUTBOUND);
        ListenerPlan in = snapshot != null ? snapshot.inboundListener() : ListenerPlan.fallback(fallbackConfig.get(), Direction.INBOUND);
        outbound.bind(out.port(), out.limits(), outboundChain, () -> false);
        inbound.bind(in.port(), in.limits(), inboundChain, () -> draining);
    }

    /**
     * Stops the inbound listener gracefully and waits for its requests in flight, at most
     * {@code timeout}. Blocking: call it from a thread of its own.
     */
    public void drainInbound(Duration timeout) throws InterruptedException {
        startDraining();
        inbound.stopAccepting();
        inbound.goAwayHttp2();
        log.info("draining: inbound listener refuses new connections; waiting up to {} for {} open connection(s)",
                timeout, inbound.activeConnections());
        long deadline = System.nanoTime() + timeout.toNanos();
        while (inbound.activeConnections() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        int left = inbound.activeConnections();
        inbound.close(Duration.ofMillis(500));
        log.info(left == 0 ? "draining: inbound connections finished" : "draining: timeout, {} inbound connection(s) closed", left);
    }

    /** Readiness DOWN and {@code Connection: close} on inbound responses, from now on. */
    public void startDraining() {
        draining = true;
    }

    public boolean draining() {
        return draining;
    }

    public Listener outbound() {
        return outbound;
    }

    public Listener inbound() {
        return inbound;
    }

    /** The bound outbound port (the configured one, or the one chosen for port 0). */
    public int outboundPort() {
        return outbound.port();
    }

    public int inboundPort() {
        return inbound.port();
    }

    @Override
    public void stop() {
        inbound.close(Duration.ofSeconds(1));
        outbound.close(Duration.ofSeconds(1));
    }

    @Override
    public boolean isRunning() {
        return outbound.bound() && (inbound.bound() || draining);
    }

    /**
     * Starts after the management server and stops before it (Spring stops higher phases first),
     * so health can report on the listeners for as long as they exist.
     */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 1000;
    }

    /** One listening socket, its connections and their count. */
    public final class Listener {
        private final Direction direction;
        private final AtomicInteger active = new AtomicInteger();
        private final ChannelGroup connections;
        private volatile DisposableServer server;
        private volatile boolean accepting;

        Listener(Direction direction) {
            this.direction = direction;
            this.connections = new DefaultChannelGroup(direction.name().toLowerCase(), ImmediateEventExecutor.INSTANCE);
        }

        void bind(int port, OutriggerProperties.Limits limits, ProxyFilterChain chain, BooleanSupplier draining) {
            ProxyHandler handler = new ProxyHandler(direction, snapshots, chain, originalDestination, loops, draining);
            Supplier<ListenerPlan> fallback = () -> ListenerPlan.fallback(fallbackConfig.get(), direction);
            Http2Streams http2 = new Http2Streams(direction, snapshots, chain, loops, draining, new Http2Server.Settings(
                    limits.maxConcurrentStreams(), limits.maxRequestHeadersSize().toBytes(),
                    (int) Math.min(Integer.MAX_VALUE, limits.http2StreamWindow().toBytes()), limits.idleTimeout(),
                    limits.streamIdleTimeout(), fallbackConfig.get().drain().timeout(), http2ConnectionErrors()));
            ConnectionPath setup = direction == Direction.INBOUND
                    ? new InboundPath(snapshots, originalDestination, tcpProxy, tcpMetrics, limits, fallback, http2, mtls, registry)
                    : new OutboundPath(snapshots, originalDestination, tcpProxy, tcpMetrics, limits, fallback, http2);
            RejectedRequests rejected = new RejectedRequests(registry, name());
            Counter headersTimeouts = MeterCatalog.CONNECTIONS_REFUSED.counter()
                    .tag(MeterCatalog.LISTENER, name()).tag(MeterCatalog.REASON, "request_headers_timeout").register(registry);
            Counter overflow = MeterCatalog.CONNECTIONS_REFUSED.counter()
                    .tag(MeterCatalog.LISTENER, name()).tag(MeterCatalog.REASON, "overflow").register(registry);
            Counter idleCloses = MeterCatalog.IDLE_TIMEOUTS.counter()
                    .tag(MeterCatalog.LISTENER, name()).register(registry);
            ConnectionTimeouts.Settings timeouts = new ConnectionTimeouts.Settings(limits.idleTimeout(),
                    limits.requestHeadersTimeout(), idleCloses, headersTimeouts, rejected);
            server = HttpServer.create()
                    .runOn(loops.resources())
                    .host("0.0.0.0")
                    .port(port)
                    .channelGroup(connections)
                    .httpRequestDecoder(spec -> spec
                            .maxHeaderSize((int) limits.maxRequestHeadersSize().toBytes())
                            .maxInitialLineLength((int) limits.maxInitialLineLength().toBytes())
                            .validateHeaders(true))
                    .doOnChannelInit((observer, channel, remoteAddress) -> {
                        int now = active.incrementAndGet();
                        channel.closeFuture().addListener(closed -> active.decrementAndGet());
                        if (now > limits.maxConnections()) {
                            // Over the listener's limit: refused at once, before a byte is read.
                            overflow.increment();
                            channel.close();
                            return;
                        }
                        // Reactor Netty adds a connection to the group only once it is HTTP; TCP
                        // relays and connections still being sniffed must be closed on stop too.
                        connections.add(channel);
                        setup.init(channel);
                        ConnectionTimeouts.install(channel.pipeline(), timeouts);
                    })
                    .handle(handler)
                    .bindNow(Duration.ofSeconds(10));
            accepting = true;
            log.info("{} listener on {}", name(), server.address());
        }

        /**
         * Tells every HTTP/2 connection to go away: closing one sends {@code GOAWAY}, lets its
         * streams in flight finish, and then closes it. HTTP/1.1 connections learn it from their
         * next response ({@code Connection: close}).
         */
        void goAwayHttp2() {
            connections.forEach(channel -> {
                if (channel.pipeline().get(Http2FrameCodec.class) != null) {
                    channel.close();
                }
            });
        }

        /** Counts an HTTP/2 connection closed for what its client sent, by error; meters made on first use. */
        private Consumer<String> http2ConnectionErrors() {
            Map<String, Counter> byError = new ConcurrentHashMap<>();
            return error -> byError.computeIfAbsent(error, reason -> MeterCatalog.HTTP2_CONNECTION_ERRORS.counter()
                    .tag(MeterCatalog.LISTENER, name()).tag(MeterCatalog.REASON, reason).register(registry)).increment();
        }

        /** Closes the listening socket only: open connections carry on. */
        void stopAccepting() {
            DisposableServer current = server;
            if (current != null) {
                accepting = false;
                current.dispose();
            }
        }

        /** Closes the socket and, after waiting at most {@code timeout} for running requests, every connection. */
        void close(Duration timeout) {
            DisposableServer current = server;
            if (current == null) {
                connections.close();
                return;
            }
            server = null;
            accepting = false;
            try {
                current.disposeNow(timeout);
            } catch (IllegalStateException e) {
                // requests still running at the timeout: closed below with everything else
            }
            // disposeNow closes only what Reactor Netty knows as its own (and nothing at all once
            // draining has closed the listening socket): whatever is still open goes now.
            connections.close();
        }

        public String name() {
            return direction.name().toLowerCase();
        }

        /** Whether the listening socket is open. */
        public boolean bound() {
            return accepting;
        }

        public int port() {
            DisposableServer current = server;
            return current == null ? -1 : current.port();
        }

        public InetSocketAddress address() {
            DisposableServer current = server;
            return current == null ? null : (InetSocketAddress) current.address();
        }

        public int activeConnections() {
            return active.get();
        }
    }
}
