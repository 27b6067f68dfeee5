package io.outrigger.kubernetes;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.outrigger.snapshot.ConfigReloader;
import io.outrigger.snapshot.SnapshotHolder;
import io.outrigger.common.MeterCatalog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationListener;

/**
 * Keeps the routes ConfigMap in the environment ({@link ConfigMapSource}) as the API server says
 * it is, and applies every change through {@link ConfigReloader}: bound, validated, swapped in
 * atomically, or refused whole. The ConfigMap comes from a fabric8 informer on its one name, so
 * what is applied is exactly what the watch delivered, with no second read that could fail.
 *
 * <p>At start the first list is waited for briefly, so a pod starts on its ConfigMap's routes;
 * an API server that does not answer does not stop the start: the local config serves and the
 * watch keeps retrying (the client's backoff, 1 s doubling to 32 s). Failed lists and lost
 * watches are counted; whether the watch is open is a gauge. A deleted ConfigMap leaves the last
 * good routes serving, and so does one whose {@code application.yaml} is missing or not YAML.
 */
final class ConfigMapWatcher implements ApplicationListener<ApplicationReadyEvent>, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ConfigMapWatcher.class);
    static final Duration FIRST_LIST_WAIT = Duration.ofSeconds(3);
    private static final Duration WATCH_CHECK = Duration.ofSeconds(2);

    private final String namespace;
    private final String name;
    private final ConfigMapSource source;
    private final ConfigReloader reloader;
    private final SnapshotHolder holder;
    private final Counter failures;
    private final SharedIndexInformer<ConfigMap> informer;
    private final ScheduledExecutorService background = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("outrigger-configmap").factory());
    private final AtomicBoolean changedBeforeReady = new AtomicBoolean();
    private volatile boolean ready;
    private volatile boolean failing;
    private boolean wasWatching;

    ConfigMapWatcher(KubernetesClient client, String namespace, String name, ConfigMapSource source,
            ConfigReloader reloader, SnapshotHolder holder, MeterRegistry registry) {
        this.namespace = namespace;
        this.name = name;
        this.source = source;
        this.reloader = reloader;
        this.holder = holder;
        this.failures = MeterCatalog.CONFIGMAP_WATCH_FAILURES.counter().register(registry);
        MeterCatalog.CONFIGMAP_WATCH_CONNECTED.gauge(this, w -> w.watching() ? 1 : 0).register(registry);
        this.informer = client.configMaps().inNamespace(namespace).withName(name).runnableInformer(0);
        informer.exceptionHandler((started, error) -> {
            failures.increment();
            if (!failing) {
                failing = true;
                log.warn("ConfigMap {}/{}: cannot list or watch it ({}); the last good routes keep serving, retrying",
                        namespace, name, error.toString());
            }
            return true;
        });
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(ConfigMap configMap) {
                recovered();
                changed(configMap);
            }

            @Override
            public void onUpdate(ConfigMap before, ConfigMap after) {
                recovered();
                if (!Objects.equals(before.getData(), after.getData())) {
                    changed(after);
                }
            }

            @Override
            public void onDelete(ConfigMap configMap, boolean finalStateUnknown) {
                reject("ConfigMap " + namespace + "/" + name + " was deleted: the last good routes keep serving until it is back");
            }
        });
        waitForFirstList();
        background.scheduleWithFixedDelay(this::checkWatch, WATCH_CHECK.toMillis(), WATCH_CHECK.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Starts the informer and waits a moment for its first list, so start-up sees the ConfigMap. */
    private void waitForFirstList() {
        try {
            informer.start().toCompletableFuture().get(FIRST_LIST_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            log.info("watching ConfigMap {}/{} for routes{}", namespace, name,
                    informer.getStore().list().isEmpty() ? " (it does not exist yet)" : "");
        } catch (TimeoutException | ExecutionException e) {
            log.warn("ConfigMap {}/{}: not read within {} (the API server did not answer); starting on the local config,"
                    + " the watch keeps trying", namespace, name, FIRST_LIST_WAIT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** On the informer's thread: the new data goes into the environment and, once started, is applied. */
    private void changed(ConfigMap configMap) {
        try {
            source.update(configMap);
        } catch (IllegalArgumentException e) {
            reject("ConfigMap " + namespace + "/" + name + " " + e.getMessage());
            return;
        }
        // Start-up's own apply reads it; one more apply at ready covers a change that came later.
        // Flag first, then look: whichever of this thread and the ready event comes second applies.
        changedBeforeReady.set(true);
        if (ready && changedBeforeReady.getAndSet(false)) {
            apply();
        }
    }

    /** On the same thread as the applies, so results are recorded in the order the changes came. */
    private void reject(String error) {
        try {
            background.execute(() -> holder.reject("configmap", List.of(error)));
        } catch (RejectedExecutionException stopping) {
            // shutting down
        }
    }

    private void apply() {
        try {
            background.execute(() -> reloader.applyNow("configmap"));
        } catch (RejectedExecutionException stopping) {
            // shutting down
        }
    }

    @Override
    public void onApplicationEvent(ApplicationReadyEvent event) {
        ready = true;
        if (changedBeforeReady.getAndSet(false)) {
            apply();
        }
    }

    /** The client reconnects a broken watch by itself, without telling: look every few seconds. */
    private void checkWatch() {
        boolean now = watching();
        if (wasWatching && !now) {
            failures.increment();
            failing = true;
            log.warn("ConfigMap {}/{}: the watch was lost; the last good routes keep serving, reconnecting", namespace, name);
        } else if (!wasWatching && now) {
            recovered();
        }
        wasWatching = now;
    }

    private void recovered() {
        if (failing) {
            failing = false;
            log.info("ConfigMap {}/{}: watching again", namespace, name);
        }
    }

    boolean watching() {
        return informer.isWatching();
    }

    @Override
    public void close() {
        informer.close();
        background.shutdownNow();
    }
}
