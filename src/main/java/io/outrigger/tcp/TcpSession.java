package io.outrigger.tcp;

import java.net.InetSocketAddress;

import io.outrigger.cluster.Cluster;
import io.outrigger.common.Direction;
import io.outrigger.common.ResponseFlag;
import io.outrigger.protocol.Detection;
import io.outrigger.snapshot.Snapshot;
import io.outrigger.telemetry.LogFormat;
import io.outrigger.telemetry.SessionRecord;
import io.outrigger.telemetry.TcpMetrics;
import io.outrigger.tls.Peer;
import io.outrigger.tls.PeerPolicy;

/**
 * One relayed TCP connection, for its metrics and its access-log line. Confined to the event
 * loop of its downstream connection, which its upstream connection shares.
 */
public final class TcpSession implements RelayTally {

    private final Direction direction;
    private final Detection detection;
    private final LogFormat logFormat;
    private final TcpDestination destination;
    private final TcpMetrics.Meters meters;
    private final Peer peer;
    private final long startMillis = System.currentTimeMillis();
    private final long startNanos = System.nanoTime();
    private long endNanos;
    private long received;
    private long sent;
    private int flags;

    public TcpSession(Direction direction, Detection detection, Snapshot snapshot, TcpDestination destination,
            TcpMetrics.Meters meters, Peer peer) {
        this.peer = peer;
        this.direction = direction;
        this.detection = detection;
        // With no valid config loaded yet, log as the defaults say (text).
        this.logFormat = snapshot == null ? LogFormat.TEXT : snapshot.accessLog();
        this.destination = destination;
        this.meters = meters;
        if (destination.refusal() != null) {
            flag(destination.refusal());
        }
    }

    @Override
    public void received(int bytes) {
        received += bytes;
        meters.received(bytes);
    }

    @Override
    public void sent(int bytes) {
        sent += bytes;
        meters.sent(bytes);
    }

    @Override
    public void flag(ResponseFlag flag) {
        flags |= flag.bit();
    }

    void end() {
        endNanos = System.nanoTime();
    }

    @Override
    public String describe() {
        return direction + " tcp connection to " + destination.address();
    }

    public Direction direction() {
        return direction;
    }

    /** The downstream's verified mTLS identity, or null for plaintext. */
    public Peer peer() {
        return peer;
    }

    public Detection detection() {
        return detection;
    }

    /** How the connection ended, for the access log. */
    SessionRecord toRecord() {
        return new SessionRecord(direction, startMillis, durationMillis(), detection.kind().label(), detection.serverName(),
                flags, received, sent, destination.address(), destination.cluster(), destination.route(),
                peer == null ? null : peer.spiffeId(), logFormat);
    }

    public Cluster cluster() {
        return destination.cluster();
    }

    /** How the upstream connection is secured. */
    public PeerPolicy peers() {
        return destination.peers();
    }

    public String routeName() {
        return destination.route();
    }

    public InetSocketAddress upstream() {
        return destination.address();
    }

    TcpMetrics.Meters meters() {
        return meters;
    }

    public long startMillis() {
        return startMillis;
    }

    public long durationMillis() {
        return ((endNanos == 0 ? System.nanoTime() : endNanos) - startNanos) / 1_000_000;
    }

    /** Bytes from the downstream, sent on upstream. */
    public long bytesReceived() {
        return received;
    }

    /** Bytes from the upstream, sent on downstream. */
    public long bytesSent() {
        return sent;
    }

    public int flagBits() {
        return flags;
    }

    public String flags() {
        return ResponseFlag.format(flags);
    }
}
