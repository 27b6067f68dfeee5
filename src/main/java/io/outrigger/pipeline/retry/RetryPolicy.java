package io.outrigger.pipeline.retry;

import java.time.Duration;
import java.util.List;

import io.outrigger.config.OutriggerProperties;
import io.outrigger.routing.RoutePolicy;

/**
 * Decides whether a failed try is tried again; {@link RetryingCall} executes the decision.
 * {@code attempts} counts retries after the first try, as in Istio.
 *
 * <p>A route without a {@code retries} block gets {@link #DEFAULT}: two retries of connect
 * failures and of resets that happened before the request was sent, for any method (the upstream
 * never saw the request), and of a 503 only for idempotent methods, because a POST answered 503
 * may already have been acted on.
 */
public final class RetryPolicy {

    public static final RetryPolicy DEFAULT = new RetryPolicy(2, null,
            new RetryOn(false, false, true, false, false, new int[] {503}, 0), true);
    public static final RetryPolicy NONE = new RetryPolicy(0, null,
            new RetryOn(false, false, false, false, false, new int[0], 0), false);

    private final int attempts;
    private final Duration perTryTimeout;
    private final RetryOn retryOn;
    private final boolean conservative;

    private RetryPolicy(int attempts, Duration perTryTimeout, RetryOn retryOn, boolean conservative) {
        this.attempts = attempts;
        this.perTryTimeout = perTryTimeout;
        this.retryOn = retryOn;
        this.conservative = conservative;
    }

    /** A route's {@code retries}; a route that has none gets {@link #DEFAULT}, not this. */
    public static final RoutePolicy<RetryPolicy> ROUTE = (route, path, problems) -> {
        OutriggerProperties.Retries retries = route.retries();
        if (retries == null) {
            return null;
        }
        String at = path + ".retries";
        if (retries.attempts() != null && retries.attempts() < 0) {
            problems.add(at + ".attempts", "must not be negative");
        }
        problems.positive(at + ".per-try-timeout", retries.perTryTimeout());
        for (int i = 0; i < retries.retriableStatusCodes().size(); i++) {
            Integer code = retries.retriableStatusCodes().get(i);
            if (code == null || code < 100 || code > 599) {
                problems.add(at + ".retriable-status-codes[" + i + "]", "not an HTTP status: " + code);
            }
        }
        try {
            return compile(retries);
        } catch (IllegalArgumentException e) {
            problems.add(at + ".retry-on", e.getMessage());
            return null;
        }
    };

    /** The policy of a route's {@code retries} block, already checked; null: {@link #DEFAULT}. */
    public static RetryPolicy compile(OutriggerProperties.Retries retries) {
        if (retries == null) {
            return DEFAULT;
        }
        int attempts = retries.attempts() == null ? 2 : retries.attempts();
        String on = retries.retryOn() == null ? "connect-failure,refused-stream,503" : retries.retryOn();
        return new RetryPolicy(attempts, retries.perTryTimeout(),
                RetryOn.parse(on, retries.retriableStatusCodes() == null ? List.of() : retries.retriableStatusCodes()),
                false);
    }

    /** Retries after the first try; 0 means one try only. */
    public int attempts() {
        return attempts;
    }

    /** The limit for each try up to the response headers, or null for none. */
    public Duration perTryTimeout() {
        return perTryTimeout;
    }

    public boolean retriesStatus(int status, boolean idempotent) {
        return retryOn.retriesStatus(status) && (!conservative || idempotent);
    }

    /** A gRPC status in the response's headers; the default policy retries none (it cannot know the call is safe to repeat). */
    public boolean retriesGrpc(int code) {
        return !conservative && retryOn.retriesGrpc(code);
    }

    public boolean retriesConnectFailure() {
        return retryOn.retriesConnectFailure();
    }

    /**
     * A reset or per-try timeout before any response byte. The default policy retries it only
     * when the request had not been sent yet.
     */
    public boolean retriesReset(boolean requestSent) {
        // Refused unprocessed (HTTP/2 REFUSED_STREAM, or above a GOAWAY's last stream): safe for any method.
        return conservative ? !requestSent : retryOn.retriesReset() || !requestSent && retryOn.refusedStream();
    }

    public static boolean isIdempotent(String method) {
        return switch (method) {
            case "GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE" -> true;
            default -> false;
        };
    }

    @Override
    public String toString() {
        return "RetryPolicy[attempts=" + attempts + ", perTryTimeout=" + perTryTimeout + ", " + retryOn
                + (conservative ? ", default" : "") + "]";
    }
}
