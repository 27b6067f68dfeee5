package io.outrigger.tls;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.outrigger.common.SettledFiles;
import io.outrigger.config.OutriggerProperties;
import io.outrigger.common.MeterCatalog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pod's workload identity, kept as its files say. The certificate, key and trust bundle are
 * checked every second ({@link SettledFiles}); when their contents change and settle, the identity
 * is loaded and checked again and, if good, handed to its user ({@code onLoad}) and made live. A
 * rotation that fails keeps the previous identity while it is valid; a failed set of files is
 * tried again every 30 s, as "not valid yet" turns valid with time.
 */
final class IdentityFiles implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(IdentityFiles.class);
    private static final Duration RETRY_FAILED = Duration.ofSeconds(30);

    private final OutriggerProperties.Tls files;
    private final Clock clock;
    private final Consumer<WorkloadIdentity> onLoad;
    private final Counter applied;
    private final Counter rejected;
    private final SettledFiles watched;
    private final ScheduledExecutorService watcher;
    private volatile WorkloadIdentity identity;
    private volatile String error;
    private Instant failedAt;

    /**
     * Loads the identity once now, then watches its files. {@code onLoad} makes what the identity
     * is for (TLS contexts); if it throws, the load counts as failed and the previous identity stays.
     */
    IdentityFiles(OutriggerProperties.Tls files, Clock clock, MeterRegistry registry, Consumer<WorkloadIdentity> onLoad) {
        this.files = files;
        this.clock = clock;
        this.onLoad = onLoad;
        this.applied = MeterCatalog.TLS_IDENTITY_LOADS.counter().tag(MeterCatalog.RESULT, "applied").register(registry);
        this.rejected = MeterCatalog.TLS_IDENTITY_LOADS.counter().tag(MeterCatalog.RESULT, "rejected").register(registry);
        this.watched = new SettledFiles(Stream.of(files.certChain(), files.privateKey(), files.trustBundle())
                .filter(Objects::nonNull).map(Path::of).toList());
        load();
        this.watcher = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("outrigger-tls-files").factory());
        watcher.scheduleWithFixedDelay(this::check, 1, 1, TimeUnit.SECONDS);
    }

    /** The live identity, or null when none has loaded. */
    WorkloadIdentity identity() {
        return identity;
    }

    /** Why the identity is not (or no longer) what the files say, or null when all is well. */
    String error() {
        return error;
    }

    /** Loads the files if their contents changed and settled, or a failed load is due again. A scheduled task must not throw. */
    private synchronized void check() {
        try {
            boolean retry = failedAt != null && clock.instant().isAfter(failedAt.plus(RETRY_FAILED));
            if (!watched.changed().isEmpty() || retry) {
                load();
            }
        } catch (RuntimeException e) {
            log.error("mutual TLS: checking the identity files failed", e);
        }
    }

    private void load() {
        try {
            WorkloadIdentity loaded = WorkloadIdentity.load(files, clock.instant());
            onLoad.accept(loaded);
            identity = loaded;
            error = null;
            failedAt = null;
            applied.increment();
            log.info("mutual TLS: identity {} loaded (serial {}, valid until {})", loaded.spiffeId(),
                    loaded.leaf().getSerialNumber().toString(16), loaded.notAfter());
        } catch (RuntimeException e) {
            error = e.getMessage();
            failedAt = clock.instant();
            rejected.increment();
            WorkloadIdentity live = identity;
            log.error("mutual TLS: identity not loaded, {}: {}", live == null ? "no identity to serve with"
                    : "the previous one (" + live.spiffeId() + ") stays", e.getMessage());
        }
    }

    @Override
    public void close() {
        watcher.shutdownNow();
    }
}
