package io.outrigger.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.zip.CRC32;

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
 * kubelet do both). It compares file contents, polled a few times a second, which sees all three
 * alike; a change is applied once two polls agree, so a half-written file is not read.
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
    private List<Path> files = List.of();
    private long[] applied = new long[0];
    private long[] pending;

    /** @param reload re-reads the configuration; told which files changed */
    public ConfigFileWatcher(ConfigurableEnvironment environment, Consumer<String> reload) {
        this.environment = environment;
        this.reload = reload;
    }

    @Override
    public void start() {
        files = configFiles(environment);
        applied = fingerprints(files);
        log.info("watching configuration files {}", files);
        poller.scheduleWithFixedDelay(this::poll, POLL_MILLIS, POLL_MILLIS, TimeUnit.MILLISECONDS);
        running = true;
    }

    private void poll() {
        try {
            long[] now = fingerprints(files);
            if (Arrays.equals(now, applied)) {
                pending = null;
                return;
            }
            if (!Arrays.equals(now, pending)) {
                pending = now;
                return;
            }
            List<Path> changed = new ArrayList<>();
            for (int i = 0; i < files.size(); i++) {
                if (now[i] != applied[i]) {
                    changed.add(files.get(i));
                }
            }
            pending = null;
            applied = now;
            reload.accept("file " + changed);
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

    /** A checksum per file, reading through symlinks; -1 for a file that cannot be read right now. */
    private static long[] fingerprints(List<Path> files) {
        long[] result = new long[files.size()];
        for (int i = 0; i < result.length; i++) {
            try {
                CRC32 crc = new CRC32();
                crc.update(Files.readAllBytes(files.get(i)));
                result[i] = crc.getValue();
            } catch (IOException e) {
                result[i] = -1;
            }
        }
        return result;
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
