package io.outrigger.listener;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.function.Supplier;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import io.outrigger.config.OutriggerProperties;
import io.outrigger.config.Snapshot;
import io.outrigger.config.SnapshotHolder;
import io.outrigger.interception.OriginalDestination;
import io.outrigger.pipeline.Direction;
import io.outrigger.protocol.Detection;
import io.outrigger.protocol.Protocol;
import io.outrigger.protocol.ProtocolSniffer;
import io.outrigger.tcp.TcpDestination;
import io.outrigger.tcp.TcpProxy;
import io.outrigger.tcp.TcpSession;
import io.outrigger.telemetry.TcpMetrics;

/**
 * What a listener does with each new connection before any byte is read: learns its original
 * destination, looks up that port's protocol in the live snapshot and, unless the port is
 * declared HTTP, puts a {@link ProtocolSniffer} in front of the HTTP handlers. Connections that
 * turn out not to be HTTP/1 are relayed as TCP.
 */
final class ConnectionSetup {

    private static final AttributeKey<Object> ORIGINAL_DESTINATION = AttributeKey.valueOf("outrigger.original-destination");
    private static final Object NOT_REDIRECTED = new Object();
    private static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(1);

    private final Direction direction;
    private final SnapshotHolder snapshots;
    private final TcpProxy tcpProxy;
    private final TcpMetrics tcpMetrics;
    private final OriginalDestination lookup;
    private final OutriggerProperties.Limits limits;
    private final Supplier<OutriggerProperties> fallbackConfig;

    ConnectionSetup(Direction direction, SnapshotHolder snapshots, OriginalDestination originalDestination,
            TcpProxy tcpProxy, TcpMetrics tcpMetrics, OutriggerProperties.Limits limits,
            Supplier<OutriggerProperties> fallbackConfig) {
        this.direction = direction;
        this.snapshots = snapshots;
        this.tcpProxy = tcpProxy;
        this.tcpMetrics = tcpMetrics;
        this.lookup = originalDestination;
        this.limits = limits;
        this.fallbackConfig = fallbackConfig;
    }

    /** Runs as the connection is registered, before it is active. */
    void init(Channel channel) {
        InetSocketAddress original = originalDestination(channel, lookup);
        Snapshot snapshot = snapshots.current();
        OutriggerProperties config = snapshot != null ? snapshot.config() : fallbackConfig.get();
        Protocol protocol = protocol(snapshot, config, original);
        ProtocolSniffer sniffer = switch (protocol) {
            case HTTP -> null;
            case TCP -> ProtocolSniffer.declared(Detection.TCP, this::relay);
            case HTTP2 -> ProtocolSniffer.declared(Detection.HTTP2, this::relay);
            case AUTO -> ProtocolSniffer.sniffing(detectionTimeout(config),
                    (int) limits.maxInitialLineLength().toBytes(), this::relay);
        };
        if (sniffer != null) {
            channel.pipeline().addFirst("outrigger.sniffer", sniffer);
        }
    }

    private Protocol protocol(Snapshot snapshot, OutriggerProperties config, InetSocketAddress original) {
        if (direction == Direction.INBOUND) {
            int port = original != null ? original.getPort() : config.inbound().appPort();
            return snapshot == null ? Protocol.AUTO : snapshot.inboundProtocols().of(port);
        }
        if (original == null) {
            // Not redirected: a client told to use this port. TCP would have nowhere to go, so HTTP.
            return Protocol.HTTP;
        }
        if (snapshot == null) {
            return Protocol.AUTO;
        }
        if (snapshot.tcpRoutes().match(original) != null) {
            return Protocol.TCP;   // a tcp-route says what this destination speaks
        }
        return snapshot.outboundProtocols().of(original.getPort());
    }

    private Duration detectionTimeout(OutriggerProperties config) {
        return direction == Direction.INBOUND
                ? config.inbound().protocolDetectionTimeout()
                : config.outbound().protocolDetectionTimeout();
    }

    private void relay(Channel channel, ByteBuf firstBytes, Detection detection) {
        Snapshot snapshot = snapshots.current();
        TcpDestination destination = TcpDestination.of(snapshot, direction, originalDestination(channel, lookup));
        TcpSession session = new TcpSession(direction, detection, snapshot, destination,
                tcpMetrics.meters(direction, destination.cluster()));
        Duration connectTimeout = destination.cluster() != null
                ? destination.cluster().config().connectTimeout()
                : DEFAULT_CONNECT_TIMEOUT;
        tcpProxy.relay(channel, firstBytes, session, connectTimeout, limits.tcpIdleTimeout());
    }

    /** Looked up once per connection and kept on it; null when the connection was not redirected. */
    static InetSocketAddress originalDestination(Channel channel, OriginalDestination lookup) {
        Object known = channel.attr(ORIGINAL_DESTINATION).get();
        if (known == null) {
            InetSocketAddress found = lookup.of(channel);
            known = found == null ? NOT_REDIRECTED : found;
            channel.attr(ORIGINAL_DESTINATION).set(known);
        }
        return known == NOT_REDIRECTED ? null : (InetSocketAddress) known;
    }
}
