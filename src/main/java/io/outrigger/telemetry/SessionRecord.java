package io.outrigger.telemetry;

import java.net.InetSocketAddress;

import io.outrigger.cluster.Cluster;
import io.outrigger.common.Direction;

/**
 * How one relayed TCP connection ended, made once when it closed, for the access log (its
 * byte counts were metered as they flowed).
 *
 * @param protocol      what detection saw: {@code tcp}, {@code tls} or {@code http2}
 * @param serverName    the TLS ClientHello's SNI, or null
 * @param upstream      where it was relayed to, or null (refused before connecting)
 * @param peerPrincipal the downstream's SPIFFE ID over mTLS, or null
 */
public record SessionRecord(Direction direction, long startMillis, long durationMillis, String protocol,
        String serverName, int flags, long bytesReceived, long bytesSent, InetSocketAddress upstream,
        Cluster cluster, String routeName, String peerPrincipal, LogFormat logFormat) {
}
