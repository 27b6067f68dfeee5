package io.outrigger.admin;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * Istio's metrics merging: one scrape of {@code :15020/stats/prometheus} returns the sidecar's
 * metrics and the application's. The injector points a pod's Prometheus annotations here when the
 * application had its own, and hands their port and path to the sidecar in
 * {@code OUTRIGGER_APP_METRICS}; the sidecar reads the application's page on 127.0.0.1 at each
 * scrape. An application that does not answer costs only its own metrics: the sidecar's are still
 * served, with a comment line saying why the rest is missing.
 */
final class MergedMetrics {

    private static final Logger log = LoggerFactory.getLogger(MergedMetrics.class);
    static final MediaType TEXT_FORMAT = MediaType.parseMediaType("text/plain;version=0.0.4;charset=utf-8");

    /** Where the application serves its metrics. */
    record Target(int port, String path) {
    }

    private final PrometheusMeterRegistry registry;
    private final Target application;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    private MergedMetrics(PrometheusMeterRegistry registry, Target application) {
        this.registry = registry;
        this.application = application;
    }

    /** From {@code OUTRIGGER_APP_METRICS}'s JSON ({@code {"port":9102,"path":"/metrics"}}); only the sidecar's when unset. */
    static MergedMetrics of(PrometheusMeterRegistry registry, String json) {
        Target target = null;
        if (json != null && !json.isBlank()) {
            try {
                target = JsonMapper.builder().build().readValue(json, Target.class);
            } catch (RuntimeException e) {
                log.error("OUTRIGGER_APP_METRICS is not the injector's JSON, the application's metrics are not merged: {}", e.getMessage());
            }
        }
        return new MergedMetrics(registry, target);
    }

    RouterFunction<ServerResponse> routes() {
        return RouterFunctions.route().GET("/stats/prometheus", this::scrape).build();
    }

    private Mono<ServerResponse> scrape(ServerRequest request) {
        String own = registry.scrape();
        if (application == null) {
            return ServerResponse.ok().contentType(TEXT_FORMAT).bodyValue(own);
        }
        HttpRequest call = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + application.port()
                + (application.path() == null || application.path().isEmpty() ? "/metrics" : application.path())))
                .header("Accept", "text/plain;version=0.0.4").timeout(Duration.ofSeconds(5)).build();
        return Mono.fromFuture(() -> client.sendAsync(call, HttpResponse.BodyHandlers.ofString()))
                .map(answer -> answer.statusCode() == 200 ? withoutEof(answer.body())
                        : "# outrigger: the application's metrics answered " + answer.statusCode() + "\n")
                .onErrorResume(error -> Mono.just("# outrigger: the application's metrics could not be read: " + error + "\n"))
                .flatMap(app -> ServerResponse.ok().contentType(TEXT_FORMAT).bodyValue(own + (own.endsWith("\n") ? "" : "\n") + app));
    }

    /** OpenMetrics ends with "# EOF", which must not end up in the middle of the merged page. */
    private static String withoutEof(String page) {
        String trimmed = page.stripTrailing();
        String body = trimmed.endsWith("# EOF") ? trimmed.substring(0, trimmed.length() - "# EOF".length()) : page;
        return body.endsWith("\n") ? body : body + "\n";
    }
}
