package io.outrigger.kubernetes;

import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.outrigger.config.ConfigReloader;
import io.outrigger.telemetry.MeterCatalog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Watches the one ConfigMap that holds the routes and, whenever its data changes (or it appears
 * or goes away), refreshes the environment through {@link ConfigReloader}: Spring Cloud
 * Kubernetes's ConfigMap property source re-reads it, and the result is validated and swapped
 * like any other reload.
 *
 * <p>Outrigger's own rather than Spring Cloud Kubernetes's event detector, for two reasons: that
 * one waits for its first list at start-up and fails the whole application when the API server
 * does not answer, where a sidecar must start on its local config and keep trying; and it
 * watches every ConfigMap in the namespace, where one name is enough. The watch retries for ever,
 * with the client's backoff; each failed attempt is counted and the watch's state is a gauge.
 */
final class ConfigMapWatcher implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ConfigMapWatcher.class);

    private final KubernetesClient client;
    private final String namespace;
    private final String name;
    private final ConfigReloader reloader;
    private final Counter failures;
    private final AtomicBoolean reloadPending = new AtomicBoolean();
    private final ExecutorService reloads = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().daemon().name("outrigger-configmap-reload").factory());
    private volatile SharedIndexInformer<ConfigMap> informer;
    private volatile boolean failing;

    ConfigMapWatcher(KubernetesClient client, String namespace, String name, ConfigReloader reloader, MeterRegistry registry) {
        this.client = client;
        this.namespace = namespace;
        this.name = name;
        this.reloader = reloader;
        this.failures = Counter.builder(MeterCatalog.CONFIGMAP_WATCH_FAILURES)
                .description("Failed attempts to list or watch the routes ConfigMap; each is retried with backoff")
                .register(registry);
        Gauge.builder(MeterCatalog.CONFIGMAP_WATCH_CONNECTED, this, w -> w.watching() ? 1 : 0)
                .description("1 while the watch on the routes ConfigMap is open")
                .register(registry);
    }

    @Override
    public void start() {
        SharedIndexInformer<ConfigMap> created = client.configMaps().inNamespace(namespace).withName(name).runnableInformer(0);
        created.exceptionHandler((started, error) -> {
            failures.increment();
            if (!failing) {
                failing = true;
                log.warn("ConfigMap {}/{}: cannot list or watch it ({}); the last good routes keep serving, retrying",
                        namespace, name, error.toString());
            }
            return true;
        });
        created.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(ConfigMap configMap) {
                recovered();
                reload();
            }

            @Override
            public void onUpdate(ConfigMap before, ConfigMap after) {
                recovered();
                if (!Objects.equals(before.getData(), after.getData())) {
                    reload();
                }
            }

            @Override
            public void onDelete(ConfigMap configMap, boolean finalStateUnknown) {
                reload();
            }
        });
        informer = created;
        created.start();   // does not wait: the first list may fail and be retried
        log.info("watching ConfigMap {}/{} for routes", namespace, name);
    }

    private void recovered() {
        if (failing) {
            failing = false;
            log.info("ConfigMap {}/{}: watching again", namespace, name);
        }
    }

    /** One reload at a time; changes that arrive meanwhile are folded into one more. */
    private void reload() {
        if (!reloadPending.compareAndSet(false, true)) {
            return;
        }
        try {
            reloads.execute(() -> {
                reloadPending.set(false);
                reloader.reload("configmap");
            });
        } catch (RejectedExecutionException stopping) {
            reloadPending.set(false);
        }
    }

    boolean watching() {
        SharedIndexInformer<ConfigMap> current = informer;
        return current != null && current.isWatching();
    }

    @Override
    public void stop() {
        SharedIndexInformer<ConfigMap> current = informer;
        if (current != null) {
            current.close();
        }
        reloads.shutdown();
        informer = null;
    }

    @Override
    public boolean isRunning() {
        return informer != null;
    }
}
