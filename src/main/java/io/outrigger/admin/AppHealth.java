package io.outrigger.admin;

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
import reactor.netty.http.client.HttpClient;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * The application's HTTP probes, asked through the management port, as Istio's
 * {@code /app-health/CONTAINER/livez} scheme: the injector rewrites a container's probes to
 * {@code GET :15020/app-health/CONTAINER/KIND} and hands the originals to the sidecar in
 * {@code OUTRIGGER_APP_PROBES} (JSON, by container and kind). The kubelet's probe then reaches the
 * application even when the inbound port is STRICT, which refuses anything not in the mesh: the
 * sidecar calls the application itself, on 127.0.0.1, and answers 200 for a 2xx or 3xx answer,
 * 503 otherwise (a timeout or refused connection included), as the kubelet judges it.
 */
final class AppHealth {

    private static final Logger log = LoggerFactory.getLogger(AppHealth.class);

    /** One original probe: where it asked and how long the kubelet would wait. */
    record Probe(int port, String path, Map<String, String> headers, Integer timeoutSeconds) {
    }

    private final Map<String, Map<String, Probe>> probes;
    // Reactor Netty's client, not the JDK's: a probe may set a Host header, which the JDK's refuses.
    private final HttpClient client = HttpClient.create().option(io.netty.channel.ChannelOption.CONNECT_TIMEOUT_MILLIS, 1000);

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
        String path = probe.path() == null || probe.path().isEmpty() ? "/" : probe.path();
        Map<String, String> headers = probe.headers() == null ? Map.of() : probe.headers();
        // As the kubelet asks: its headers (a Host header included), no redirect followed, 2xx and 3xx healthy.
        return Mono.defer(() -> client
                        .responseTimeout(Duration.ofSeconds(probe.timeoutSeconds() == null ? 1 : probe.timeoutSeconds()))
                        .headers(h -> {
                            h.set("User-Agent", "kube-probe/outrigger");
                            headers.forEach(h::set);
                        })
                        .get().uri("http://127.0.0.1:" + probe.port() + path)
                        .responseSingle((response, body) -> body.then(Mono.just(response.status().code()))))
                .flatMap(status -> status >= 200 && status < 400
                        ? ServerResponse.ok().contentType(MediaType.TEXT_PLAIN).bodyValue("ok\n")
                        : failed("the application answered " + status))
                .onErrorResume(error -> failed("the application did not answer: " + error));
    }

    private static Mono<ServerResponse> failed(String why) {
        return ServerResponse.status(HttpStatus.SERVICE_UNAVAILABLE).contentType(MediaType.TEXT_PLAIN).bodyValue(why + "\n");
    }
}
