package io.outrigger.upstream;

import java.time.Duration;

/**
 * What one event loop's pool to one endpoint may hold. Zero for {@code maxRequestsPerConnection}
 * or a zero {@code maxConnectionDuration} means no limit, as in Envoy and Istio.
 *
 * @param maxConnections           connections open or opening at once
 * @param maxPending               requests waiting for a connection at once; one more is refused
 * @param idleTimeout              an idle connection is closed after this long unused
 * @param maxRequestsPerConnection requests a connection carries before it is closed
 * @param maxConnectionDuration    a connection's age at which it is closed once idle
 * @param connectTimeout           how long a new connection (its TLS handshake included) may take
 */
public record PoolLimits(int maxConnections, int maxPending, Duration idleTimeout, int maxRequestsPerConnection,
        Duration maxConnectionDuration, Duration connectTimeout) {

    public PoolLimits {
        if (maxConnections < 1 || maxPending < 0 || maxRequestsPerConnection < 0) {
            throw new IllegalArgumentException("pool limits out of range: " + maxConnections + ", " + maxPending
                    + ", " + maxRequestsPerConnection);
        }
    }

    /** The same limits, cluster-wide counts shared out over {@code loops} event loops (rounded up). */
    public PoolLimits perLoop(int loops) {
        return new PoolLimits(Math.max(1, ceilDiv(maxConnections, loops)), ceilDiv(maxPending, loops), idleTimeout,
                maxRequestsPerConnection, maxConnectionDuration, connectTimeout);
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
