package io.outrigger.pipeline.retry;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The parsed {@code retry-on} conditions, Envoy's vocabulary: {@code 5xx}, {@code gateway-error},
 * {@code connect-failure}, {@code reset}, {@code refused-stream}, {@code retriable-status-codes},
 * and bare status codes, which Istio also accepts in the list; and gRPC's {@code cancelled},
 * {@code deadline-exceeded}, {@code internal}, {@code resource-exhausted} and {@code unavailable},
 * read from a response's {@code grpc-status} header (a trailers-only answer; a status in trailers
 * comes after the response has gone down, too late to retry, as in Envoy).
 */
public record RetryOn(boolean fiveXx, boolean gatewayError, boolean connectFailure, boolean reset,
        boolean refusedStream, int[] statusCodes, int grpcCodes) {

    public static RetryOn parse(String text, List<Integer> retriableStatusCodes) {
        boolean fiveXx = false;
        boolean gatewayError = false;
        boolean connectFailure = false;
        boolean reset = false;
        boolean refusedStream = false;
        boolean listed = false;
        int grpc = 0;
        List<Integer> codes = new ArrayList<>();
        for (String raw : text.split(",")) {
            String token = raw.trim();
            switch (token) {
                case "5xx" -> fiveXx = true;
                case "gateway-error" -> gatewayError = true;
                case "connect-failure" -> connectFailure = true;
                case "reset" -> reset = true;
                case "refused-stream" -> refusedStream = true;
                case "retriable-status-codes" -> listed = true;
                case "cancelled" -> grpc |= 1 << 1;   // CANCELLED
                case "deadline-exceeded" -> grpc |= 1 << 4;   // DEADLINE_EXCEEDED
                case "internal" -> grpc |= 1 << 13;   // INTERNAL
                case "resource-exhausted" -> grpc |= 1 << 8;   // RESOURCE_EXHAUSTED
                case "unavailable" -> grpc |= 1 << 14;   // UNAVAILABLE
                case "" -> { }
                default -> {
                    if (!token.matches("[1-5][0-9][0-9]")) {
                        throw new IllegalArgumentException("unknown retry condition '" + token
                                + "'; use 5xx, gateway-error, connect-failure, reset, refused-stream, "
                                + "retriable-status-codes, a status code, or a gRPC condition: cancelled, "
                                + "deadline-exceeded, internal, resource-exhausted, unavailable");
                    }
                    codes.add(Integer.parseInt(token));
                }
            }
        }
        if (listed) {
            codes.addAll(retriableStatusCodes);
        }
        return new RetryOn(fiveXx, gatewayError, connectFailure, reset, refusedStream,
                codes.stream().mapToInt(Integer::intValue).distinct().toArray(), grpc);
    }

    /** A gRPC status this policy retries. */
    boolean retriesGrpc(int code) {
        return code > 0 && code < 32 && (grpcCodes & 1 << code) != 0;
    }

    /** A status this policy retries. */
    boolean retriesStatus(int status) {
        if (fiveXx && status >= 500 || gatewayError && (status == 502 || status == 503 || status == 504)) {
            return true;
        }
        for (int code : statusCodes) {
            if (code == status) {
                return true;
            }
        }
        return false;
    }

    /** Connect failures are retried under 5xx and gateway-error too, as in Envoy. */
    boolean retriesConnectFailure() {
        return connectFailure || fiveXx || gatewayError;
    }

    /** A reset or a per-try timeout before the response began. */
    boolean retriesReset() {
        return reset || fiveXx || gatewayError;
    }

    @Override
    public String toString() {
        return "RetryOn[5xx=" + fiveXx + ", gateway-error=" + gatewayError + ", connect-failure=" + connectFailure
                + ", reset=" + reset + ", refused-stream=" + refusedStream + ", codes=" + Arrays.toString(statusCodes)
                + ", grpc=" + Integer.toBinaryString(grpcCodes) + "]";
    }
}
