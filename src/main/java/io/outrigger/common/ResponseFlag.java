package io.outrigger.common;

/** Envoy's response flags: why a request ended as it did, in the access log and metrics. */
public enum ResponseFlag {
    /** Downstream connection terminated before the response was complete. */
    DC,
    /** Delay injected by a fault rule. */
    DI,
    /** Downstream protocol error: the request itself was malformed (a bad body, a broken chunk). */
    DPE,
    /** Request aborted by a fault rule. */
    FI,
    /** No route matched. */
    NR,
    /** Upstream connection terminated (reset) before or during the response. */
    UC,
    /** Upstream connection failure. */
    UF,
    /** No healthy upstream endpoint. */
    UH,
    /** Upstream overflow: the cluster's connection pool is full. */
    UO,
    /** Retries exhausted while the upstream kept failing. */
    URX,
    /** Denied by authorization ({@code inbound.authorization}). */
    RBAC,
    /** Upstream request timeout. */
    UT,
    /** Stream idle timeout: no bytes either way on an HTTP/2 stream for {@code stream-idle-timeout}. */
    SI;

    private final int bit = 1 << ordinal();

    public int bit() {
        return bit;
    }

    /** Flags as Envoy prints them: comma-separated, or "-" for none. */
    public static String format(int flags) {
        if (flags == 0) {
            return "-";
        }
        StringBuilder text = new StringBuilder(8);
        for (ResponseFlag flag : values()) {
            if ((flags & flag.bit) != 0) {
                if (!text.isEmpty()) {
                    text.append(',');
                }
                text.append(flag.name());
            }
        }
        return text.toString();
    }
}
