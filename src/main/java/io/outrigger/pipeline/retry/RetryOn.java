package io.outrigger.pipeline.retry;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The parsed {@code retry-on} conditions, Envoy's vocabulary: {@code 5xx}, {@code gateway-error},
 * {@code connect-failure}, {@code reset}, {@code refused-stream}, {@code retriable-status-codes},
 * and bare status codes, which Istio also accepts in the list.
 */
public record RetryOn(boolean fiveXx, boolean gatewayError, boolean connectFailure, boolean reset,
        boolean refusedStream, int[] statusCodes) {

    public static RetryOn parse(String text, List<Integer> retriableStatusCodes) {
        boolean fiveXx = false;
        boolean gatewayError = false;
        boolean connectFailure = false;
        boolean reset = false;
        boolean refusedStream = false;
        boolean listed = false;
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
                case "" -> { }
                default -> {
                    if (!token.matches("[1-5][0-9][0-9]")) {
                        throw new IllegalArgumentException("unknown retry condition '" + token
                                + "'; use 5xx, gateway-error, connect-failure, reset, refused-stream, "
                                + "retriable-status-codes or a status code");
                    }
                    codes.add(Integer.parseInt(token));
                }
            }
        }
        if (listed) {
            codes.addAll(retriableStatusCodes);
        }
        return new RetryOn(fiveXx, gatewayError, connectFailure, reset, refusedStream,
                codes.stream().mapToInt(Integer::intValue).distinct().toArray());
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
                + ", reset=" + reset + ", refused-stream=" + refusedStream + ", codes=" + Arrays.toString(statusCodes) + "]";
    }
}
