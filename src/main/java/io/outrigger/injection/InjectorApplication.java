package io.outrigger.injection;

import java.time.Duration;

import io.fabric8.kubernetes.api.model.Quantity;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.outrigger.common.MeterCatalog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.ssl.SslBundleRegistry;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Profile;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.Environment;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * {@code java -jar outrigger.jar injector}: the same jar as the sidecar, started as the mutating
 * admission webhook. It serves {@code POST /inject} over HTTPS on 15017 (its certificate and key
 * from files, Spring Boot's SSL bundle {@code webhook}, reloaded when they change: {@link
 * WebhookCertificate}), and health and
 * Prometheus metrics on the management port 15021. Its settings are {@code injector.yaml} and
 * {@code outrigger.injector.*}. None of the sidecar's beans exist in this mode.
 */
@SpringBootConfiguration(proxyBeanMethods = false)
@Profile(InjectorApplication.PROFILE)   // the sidecar's component scan sees this class: it must stay out of the sidecar
@EnableAutoConfiguration
public class InjectorApplication {

    private static final Logger log = LoggerFactory.getLogger(InjectorApplication.class);
    static final String PROFILE = "injector";

    /**
     * The injector's own settings ({@code outrigger.injector.*}), bound by {@link InjectorTemplate}
     * from the environment and the optional template file, again on each change of the file.
     *
     * @param namespace         its own namespace, never injected
     * @param certificateSecret see {@link SidecarTemplate}; unset: pods get no identity
     * @param allowOnError      admit a pod that cannot be injected, unpatched, with a warning, instead of refusing it
     */
    public record Settings(
            @DefaultValue("outrigger") String image,
            @DefaultValue("outrigger") String configMap,
            String certificateSecret,
            @DefaultValue("100m") String proxyCpu,
            @DefaultValue("128Mi") String proxyMemory,
            @DefaultValue("256Mi") String proxyMemoryLimit,
            @DefaultValue("outrigger-system") String namespace,
            @DefaultValue("false") boolean allowOnError) {

        SidecarTemplate template() {
            return new SidecarTemplate(image, configMap, certificateSecret, new Quantity(proxyCpu), new Quantity(proxyMemory),
                    new Quantity(proxyMemoryLimit));
        }
    }

    public static void main(String[] args) {
        start(args);
    }

    /** Starts the injector; closing the context stops it. */
    public static ConfigurableApplicationContext start(String... args) {
        SpringApplication application = new SpringApplication(InjectorApplication.class);
        application.setDefaultProperties(java.util.Map.of("spring.config.name", "injector"));
        application.setAdditionalProfiles(PROFILE);
        return application.run(args);
    }

    @Bean(destroyMethod = "close")
    InjectorTemplate injectorTemplate(ConfigurableEnvironment environment, MeterRegistry registry) {
        return new InjectorTemplate(environment, environment.getProperty("outrigger.injector.template-file"), registry);
    }

    @Bean(destroyMethod = "close")
    WebhookCertificate webhookCertificate(SslBundleRegistry registry, Environment environment) {
        String prefix = "spring.ssl.bundle.pem.webhook.keystore.";
        return new WebhookCertificate(registry, "webhook", environment.getRequiredProperty(prefix + "certificate"),
                environment.getRequiredProperty(prefix + "private-key"));
    }

    /** {@code POST /inject}: the review answered, or 400 with a one-line reason for a body that is not one. */
    @Bean
    RouterFunction<ServerResponse> admissionRoute(InjectorTemplate template, MeterRegistry registry) {
        Timer duration = MeterCatalog.INJECTOR_REVIEW_DURATION.timer().register(registry);
        java.util.Map<String, Counter> results = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.function.Function<String, Counter> counter = result -> results.computeIfAbsent(result,
                r -> MeterCatalog.INJECTOR_REVIEWS.counter().tag(MeterCatalog.RESULT, r).register(registry));
        return RouterFunctions.route().POST("/inject", request -> request.bodyToMono(String.class)
                .defaultIfEmpty("")
                .flatMap(body -> {
                    long start = System.nanoTime();
                    try {
                        AdmissionHandler.Answer answer = template.handler().review(body);
                        counter.apply(answer.result().name().toLowerCase(java.util.Locale.ROOT)).increment();
                        return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(answer.json());
                    } catch (AdmissionHandler.InvalidReview e) {
                        counter.apply("invalid").increment();
                        log.warn("injector: refused a request that is not a review: {}", e.getMessage());
                        return ServerResponse.badRequest().contentType(MediaType.TEXT_PLAIN).bodyValue(e.getMessage() + "\n");
                    } finally {
                        duration.record(Duration.ofNanos(System.nanoTime() - start));
                    }
                })
                .onErrorResume(DataBufferLimitException.class, tooLarge -> {
                    counter.apply("invalid").increment();
                    log.warn("injector: refused a review over spring.http.codecs.max-in-memory-size");
                    return ServerResponse.status(HttpStatus.PAYLOAD_TOO_LARGE).contentType(MediaType.TEXT_PLAIN)
                            .bodyValue("the review is larger than the injector accepts (spring.http.codecs.max-in-memory-size)\n");
                })).build();
    }
}
