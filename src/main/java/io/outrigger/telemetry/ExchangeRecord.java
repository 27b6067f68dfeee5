package io.outrigger.telemetry;

import io.outrigger.cluster.Cluster;
import io.outrigger.common.Direction;

/**
 * How one HTTP exchange ended, made once when it ends: the metrics, the access log and whatever
 * else observes traffic read this record and nothing else, so they cannot disagree.
 *
 * @param protocol      the request's protocol as the client spoke it ({@code HTTP/1.1})
 * @param flags         the exchange's response flags, as {@link io.outrigger.common.ResponseFlag} bits
 * @param upstreamHost  the endpoint of the last try, {@code ip:port}, or null
 * @param cluster       the cluster the route chose, or null (no route)
 * @param peerPrincipal the peer's SPIFFE ID over mTLS, or null
 * @param mutualTls     whether the hop to the peer (upstream outbound, downstream inbound) was mTLS
 * @param grpc          whether the request was gRPC
 * @param grpcStatus    the gRPC status, or -1 for none
 * @param requestMessages  gRPC messages the client sent (0 for any other request)
 * @param responseMessages gRPC messages the client was sent
 * @param retries       retries made, the keep-alive race retry included
 * @param ejections     endpoints this exchange's answers ejected
 * @param logFormat     how the access log writes this exchange (from the snapshot it ran on)
 */
public record ExchangeRecord(Direction direction, long startMillis, long durationNanos, String method,
        String pathAndQuery, String protocol, int status, int flags, long bytesReceived, long bytesSent,
        String authority, String upstreamHost, Cluster cluster, String routeName, String requestId,
        String peerPrincipal, boolean mutualTls, boolean grpc, int grpcStatus, long requestMessages,
        long responseMessages, int retries, int ejections,
        boolean retryBudgetRefused, LogFormat logFormat) {

    /** Istio's {@code request_protocol}: {@code grpc}, {@code http2} or {@code http}. */
    public String requestProtocol() {
        return grpc ? "grpc" : "HTTP/2".equals(protocol) ? "http2" : "http";
    }
}
