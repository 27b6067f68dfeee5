package io.outrigger.listener;

import java.time.Duration;
import java.util.function.Supplier;

import io.outrigger.config.OutriggerProperties;
import io.outrigger.config.Snapshot;
import io.outrigger.config.SnapshotHolder;
import io.outrigger.interception.OriginalDestination;
import io.outrigger.netty.EventLoops;
import io.outrigger.pipeline.Direction;
import io.outrigger.pipeline.ProxyFilterChain;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * Binds the outbound (15001) and inbound (15006) listeners when the application starts and
 * closes them when it stops. Ports and listener limits are read once, at bind time: a reload
 * changes routes and clusters, never a listening socket.
 */
public final class ListenerManager implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ListenerManager.class);

    private final SnapshotHolder snapshots;
    private final EventLoops loops;
    private final ProxyFilterChain outboundChain;
    private final ProxyFilterChain inboundChain;
    private final OriginalDestination originalDestination;
    private final Supplier<OutriggerProperties> fallbackConfig;
    private volatile DisposableServer outbound;
    private volatile DisposableServer inbound;

    public ListenerManager(SnapshotHolder snapshots, EventLoops loops, ProxyFilterChain outboundChain,
            ProxyFilterChain inboundChain, OriginalDestination originalDestination,
            Supplier<OutriggerProperties> fallbackConfig) {
        this.fallbackConfig = fallbackConfig;
        this.snapshots = snapshots;
        this.loops = loops;
        this.outboundChain = outboundChain;
        this.inboundChain = inboundChain;
        this.originalDestination = originalDestination;
    }

    @Override
    public void start() {
        Snapshot snapshot = snapshots.current();
        OriginalDestination lookup = originalDestination;
        // With no valid config yet, the listeners still come up (on the ports the config names, if
        // it binds, else the defaults) and answer 502 NR until a valid config arrives.
        OutriggerProperties config = snapshot != null ? snapshot.config() : fallbackConfig.get();
        outbound = bind(Direction.OUTBOUND, config.outbound().port(), config.outbound().limits(),
                new ProxyHandler(Direction.OUTBOUND, snapshots, outboundChain, lookup, loops));
        inbound = bind(Direction.INBOUND, config.inbound().port(), config.inbound().limits(),
                new ProxyHandler(Direction.INBOUND, snapshots, inboundChain, lookup, loops));
    }

    private DisposableServer bind(Direction direction, int port, OutriggerProperties.Limits limits, ProxyHandler handler) {
        DisposableServer server = HttpServer.create()
                .runOn(loops.resources())
                .host("0.0.0.0")
                .port(port)
                .httpRequestDecoder(spec -> spec
                        .maxHeaderSize((int) limits.maxRequestHeadersSize().toBytes())
                        .maxInitialLineLength((int) limits.maxInitialLineLength().toBytes())
                        .validateHeaders(true))
                .idleTimeout(limits.idleTimeout())
                .handle(handler)
                .bindNow(Duration.ofSeconds(10));
        log.info("{} listener on {}", direction.name().toLowerCase(), server.address());
        return server;
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
        DisposableServer out = outbound;
        DisposableServer in = inbound;
        if (in != null) {
            in.disposeNow(Duration.ofSeconds(5));
        }
        if (out != null) {
            out.disposeNow(Duration.ofSeconds(5));
        }
        outbound = null;
        inbound = null;
    }

    @Override
    public boolean isRunning() {
        return outbound != null;
    }
}
