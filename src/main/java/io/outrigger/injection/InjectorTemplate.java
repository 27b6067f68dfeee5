package io.outrigger.injection;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.fabric8.kubernetes.api.model.Quantity;
import io.micrometer.core.instrument.MeterRegistry;
import io.outrigger.common.MeterCatalog;
import io.outrigger.common.SettledFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.FileSystemResource;

/**
 * The injector's settings, hot-reloaded like the sidecar's: {@code outrigger.injector.*} from the
 * environment, overridden by an optional YAML file ({@code outrigger.injector.template-file}, a
 * mounted ConfigMap), polled by content. An edit that does not bind or validate is refused whole,
 * logged and counted, and the last good settings keep serving; a good one takes effect for the
 * next review, swapped in one write.
 */
final class InjectorTemplate implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(InjectorTemplate.class);

    private final ConfigurableEnvironment environment;
    private final Path file;
    private final MeterRegistry registry;
    private final AtomicReference<AdmissionHandler> current = new AtomicReference<>();
    private final ScheduledExecutorService poll = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("outrigger-injector-template").factory());

    InjectorTemplate(ConfigurableEnvironment environment, String file, MeterRegistry registry) {
        this.environment = environment;
        this.file = file == null || file.isBlank() ? null : Path.of(file);
        this.registry = registry;
        if (!load("start")) {
            // The file's first content was refused: the environment's settings alone serve.
            current.set(handler(Binder.get(environment).bindOrCreate("outrigger.injector", InjectorApplication.Settings.class)));
        }
        if (this.file != null) {
            SettledFiles files = new SettledFiles(List.of(this.file));
            poll.scheduleWithFixedDelay(() -> {
                if (!files.changed().isEmpty()) {
                    load("change");
                }
            }, 1, 1, TimeUnit.SECONDS);
        }
    }

    /** The handler of the settings in force. */
    AdmissionHandler handler() {
        return current.get();
    }

    /** Binds, checks and applies the settings; false, with the reason logged and counted, when refused. */
    private boolean load(String why) {
        try {
            List<ConfigurationPropertySource> sources = new ArrayList<>();
            if (file != null && Files.isRegularFile(file)) {
                for (PropertySource<?> source : new YamlPropertySourceLoader().load("injector template", new FileSystemResource(file))) {
                    sources.add(ConfigurationPropertySource.from(source));
                }
            }
            ConfigurationPropertySources.get(environment).forEach(sources::add);
            InjectorApplication.Settings settings = new Binder(sources).bindOrCreate("outrigger.injector", InjectorApplication.Settings.class);
            AdmissionHandler handler = handler(settings);
            current.set(handler);
            MeterCatalog.INJECTOR_TEMPLATE_RELOADS.counter().tag(MeterCatalog.RESULT, "applied").register(registry).increment();
            log.info("injector: settings applied ({}{}): image {}, ConfigMap {}, certificate Secret {}, on error: {}", why,
                    file == null ? "" : ", " + file, settings.image(), settings.configMap(),
                    settings.certificateSecret() == null ? "none" : settings.certificateSecret(),
                    settings.allowOnError() ? "admit unpatched" : "refuse");
            return true;
        } catch (IOException | RuntimeException e) {
            MeterCatalog.INJECTOR_TEMPLATE_RELOADS.counter().tag(MeterCatalog.RESULT, "rejected").register(registry).increment();
            log.warn("injector: settings from {} refused, {}: {}", file, current.get() == null ? "the environment's serve"
                    : "the last good ones keep serving", rootMessage(e));
            return false;
        }
    }

    /** A handler for {@code settings}; a resource quantity that does not parse is refused here, not at a review. */
    private static AdmissionHandler handler(InjectorApplication.Settings settings) {
        for (String quantity : List.of(settings.proxyCpu(), settings.proxyMemory(), settings.proxyMemoryLimit())) {
            try {
                Quantity.getAmountInBytes(new Quantity(quantity));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("'" + quantity + "' is not a resource quantity (such as 200m or 256Mi)");
            }
        }
        return new AdmissionHandler(new InjectionPolicy(settings.namespace()), new PodInjector(settings.template()),
                settings.allowOnError());
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getMessage();
    }

    @Override
    public void close() {
        poll.shutdownNow();
    }
}
