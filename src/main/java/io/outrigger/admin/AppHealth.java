package io.outrigger.admin;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * The application's HTTP probes, asked through the management port, as Istio's
 * {@code /app-health/CONTAINER/livez} scheme: the injector rewrites a container's probes to
 * {@code GET :15020/app-health/CONTAINER/KIND} and hands the originals to the sidecar in
 * {@code OUTRIGGER_APP_PROBES} (JSON, by container and kind). The kubelet's probe then reaches the
 * application even when the inbound port is STRICT, which refuses anything not in the mesh: the
 * sidecar calls the application itself, on 127.0.0.1, and answers 200 for a 2xx or 3xx answer,
 * 503 otherwise, as the kubelet judges it.
 */
final class AppHealth {

    private static final Logger log = LoggerFactory.getLogger(AppHealth.class);

    /** One original probe: where it asked and how long the kubelet would wait. */
    record Probe(int port, String path, Map<String, String> headers, Integer timeoutSeconds) {
    }

    private final Map<String, Map<String, Probe>> probes;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(Duration.ofSeconds(1)).build();

    private AppHealth(Map<String, Map<String, Probe>> probes) {
        this.probes = probes;
    }

    /** From {@code OUTRIGGER_APP_PROBES}'s JSON; none when unset; a value that does not parse is logged and ignored. */
    static AppHealth of(String json) {
        if (json == null || json.isBlank()) {
            return new AppHealth(Map.of());
        }
        try {
            return new AppHealth(JsonMapper.builder().build().readValue(json, new TypeReference<Map<String, Map<String, Probe>>>() {
            }));
        } catch (RuntimeException e) {
            log.error("OUTRIGGER_APP_PROBES is not the injector's JSON, application probes will answer 404: {}", e.getMessage());
            return new AppHealth(Map.of());
        }
    }

    RouterFunction<ServerResponse> routes() {
        return RouterFunctions.route().GET("/app-health/{container}/{kind}", this::probe).build();
    }

    private Mono<ServerResponse> probe(ServerRequest request) {
        Probe probe = probes.getOrDefault(request.pathVariable("container"), Map.of()).get(request.pathVariable("kind"));
        if (probe == null) {
            return ServerResponse.notFound().build();
        }
        HttpRequest.Builder call = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + probe.port()
                        + (probe.path() == null || probe.path().isEmpty() ? "/" : probe.path())))
                .timeout(Duration.ofSeconds(probe.timeoutSeconds() == null ? 1 : probe.timeoutSeconds()))
                .header("User-Agent", "kube-probe/outrigger");
        (probe.headers() == null ? Map.<String, String>of() : probe.headers()).forEach(call::header);
        return Mono.fromFuture(() -> client.sendAsync(call.build(), HttpResponse.BodyHandlers.discarding()))
                .flatMap(answer -> answer.statusCode() >= 200 && answer.statusCode() < 400
                        ? ServerResponse.ok().contentType(MediaType.TEXT_PLAIN).bodyValue("ok\n")
                        : failed("the application answered " + answer.statusCode()))
                .onErrorResume(error -> failed("the application did not answer: " + error));
    }

    private static Mono<ServerResponse> failed(String why) {
        return ServerResponse.status(HttpStatus.SERVICE_UNAVAILABLE).contentType(MediaType.TEXT_PLAIN).bodyValue(why + "\n");
    }
}
