package io.outrigger.injection;

import java.util.LinkedHashMap;
import java.util.Map;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * Istio's metrics merging, the injector's half: a pod that asks Prometheus to scrape it
 * ({@code prometheus.io/scrape: "true"} with a {@code prometheus.io/port}) is scraped at the
 * sidecar's {@code :15020/stats/prometheus} instead, and the sidecar is told where the
 * application's page is ({@code OUTRIGGER_APP_METRICS}), so one scrape returns both.
 */
final class AppMetrics {

    static final String ENV = "OUTRIGGER_APP_METRICS";
    private static final KubernetesSerialization JSON = new KubernetesSerialization();

    private AppMetrics() {
    }

    /** The JSON for the sidecar, or null when the pod has no page of its own to merge. */
    static String of(Map<String, String> annotations) throws InjectionException {
        if (!"true".equals(annotations.get("prometheus.io/scrape")) || !annotations.containsKey("prometheus.io/port")) {
            return null;
        }
        String port = annotations.get("prometheus.io/port").strip();
        int number;
        try {
            number = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            number = -1;
        }
        if (number < 1 || number > 65535) {
            throw new InjectionException("annotation prometheus.io/port: '" + port + "' is not a port (1-65535)");
        }
        Map<String, Object> target = new LinkedHashMap<>();
        target.put("port", number);
        target.put("path", annotations.getOrDefault("prometheus.io/path", "/metrics"));
        return JSON.asJson(target);
    }
}
