package io.outrigger.pipeline;

import java.time.Duration;

import io.outrigger.common.ResponseFlag;

/** What gRPC adds to an HTTP/2 exchange: its status codes and its {@code grpc-timeout} header. */
public final class Grpc {

    public static final int CANCELLED = 1;
    public static final int UNKNOWN = 2;
    public static final int DEADLINE_EXCEEDED = 4;
    public static final int PERMISSION_DENIED = 7;
    public static final int RESOURCE_EXHAUSTED = 8;
    public static final int UNIMPLEMENTED = 12;
    public static final int INTERNAL = 13;
    public static final int UNAVAILABLE = 14;
    public static final int UNAUTHENTICATED = 16;

    private Grpc() {
    }

    /**
     * The status of a reply Outrigger makes itself: what the flag says (a timeout is
     * {@code DEADLINE_EXCEEDED}; no route, no healthy upstream, a failed connect or overflow are
     * {@code UNAVAILABLE}; a denial is {@code PERMISSION_DENIED}), else the gRPC spec's mapping of
     * the HTTP status (an injected fault's, typically).
     */
    public static int localStatus(int httpStatus, ResponseFlag flag) {
        if (flag != null) {
            switch (flag) {
                case UT:
                    return DEADLINE_EXCEEDED;
                case NR, UH, UF, UO, UC:
                    return UNAVAILABLE;
                case RBAC:
                    return PERMISSION_DENIED;
                default:
                    break;
            }
        }
        return switch (httpStatus) {
            case 400 -> INTERNAL;
            case 401 -> UNAUTHENTICATED;
            case 403 -> PERMISSION_DENIED;
            case 404 -> UNIMPLEMENTED;
            case 429, 502, 503, 504 -> UNAVAILABLE;
            default -> UNKNOWN;
        };
    }

    /** A status code 0-16; anything else counts as {@code UNKNOWN}, keeping the metric label bounded. */
    public static int status(String value) {
        try {
            int code = Integer.parseInt(value.trim());
            return code >= 0 && code <= 16 ? code : UNKNOWN;
        } catch (NumberFormatException e) {
            return UNKNOWN;
        }
    }

    /**
     * A {@code grpc-timeout} value (1 to 8 digits and a unit: H, M, S, m, u, n), or null when it
     * is absent or does not parse: a bad header is the client's deadline, not Outrigger's to refuse.
     */
    public static Duration timeout(String value) {
        if (value == null || value.length() < 2 || value.length() > 9) {
            return null;
        }
        long amount = 0;
        for (int i = 0; i < value.length() - 1; i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return null;
            }
            amount = amount * 10 + (c - '0');
        }
        return switch (value.charAt(value.length() - 1)) {
            case 'H' -> Duration.ofHours(amount);
            case 'M' -> Duration.ofMinutes(amount);
            case 'S' -> Duration.ofSeconds(amount);
            case 'm' -> Duration.ofMillis(amount);
            case 'u' -> Duration.ofNanos(amount * 1000);
            case 'n' -> Duration.ofNanos(amount);
            default -> null;
        };
    }
}
