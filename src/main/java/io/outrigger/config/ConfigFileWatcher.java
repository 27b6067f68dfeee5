package io.outrigger.config;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.outrigger.common.SettledFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.origin.Origin;
import org.springframework.boot.origin.OriginLookup;
import org.springframework.boot.origin.TextResourceOrigin;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.Resource;

/**
 * Watches the files Spring Boot loaded the configuration from and reloads when one changes,
 * whether it was written in place or replaced by a rename or a symlink swap (editors and the
 * kubelet do both), by their contents polled a few times a second ({@link SettledFiles}, as the
 * pod's identity files are watched).
 */
public final class ConfigFileWatcher implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ConfigFileWatcher.class);
    private static final long POLL_MILLIS = 250;

    private final ConfigurableEnvironment environment;
    private final Consumer<String> reload;
    private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "outrigger-config-watch");
        thread.setDaemon(true);
        return thread;
    });
    private volatile boolean running;
    private SettledFiles files = new SettledFiles(List.of());

    /** @param reload re-reads the configuration; told which files changed */
    public ConfigFileWatcher(ConfigurableEnvironment environment, Consumer<String> reload) {
        this.environment = environment;
        this.reload = reload;
    }

    @Override
    public void start() {
        files = new SettledFiles(configFiles(environment));
        log.info("watching configuration files {}", files.files());
        poller.scheduleWithFixedDelay(this::poll, POLL_MILLIS, POLL_MILLIS, TimeUnit.MILLISECONDS);
        running = true;
    }

    private void poll() {
        try {
            List<Path> changed = files.changed();
            if (!changed.isEmpty()) {
                reload.accept("file " + changed);
            }
        } catch (RuntimeException e) {
            log.warn("configuration watch failed, will retry: {}", e.toString());
        }
    }

    /** The file-system resources among the environment's property sources, as real paths. */
    static List<Path> configFiles(ConfigurableEnvironment environment) {
        Set<Path> paths = new LinkedHashSet<>();
        for (PropertySource<?> source : environment.getPropertySources()) {
            if (!(source instanceof EnumerablePropertySource<?> enumerable) || !(source instanceof OriginLookup<?>)) {
                continue;
            }
            @SuppressWarnings("unchecked")
            OriginLookup<String> lookup = (OriginLookup<String>) source;
            for (String name : enumerable.getPropertyNames()) {
                Path path = fileOf(lookup.getOrigin(name));
                if (path != null) {
                    paths.add(path);
                }
                break;
            }
        }
        return List.copyOf(paths);
    }

    private static Path fileOf(Origin origin) {
        while (origin != null && !(origin instanceof TextResourceOrigin)) {
            origin = origin.getParent();
        }
        if (origin == null) {
            return null;
        }
        Resource resource = ((TextResourceOrigin) origin).getResource();
        try {
            return resource != null && resource.isFile() ? resource.getFile().toPath().toAbsolutePath().normalize() : null;
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public void stop() {
        running = false;
        poller.shutdownNow();
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
