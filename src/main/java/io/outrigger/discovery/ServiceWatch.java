package io.outrigger.discovery;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.ReducedStateItemStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.outrigger.common.MeterCatalog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Informers on Services and EndpointSlices, in the namespaces discovery is scoped to (or all),
 * feeding the {@link ServiceCatalog}; with auto mTLS, on the pods labelled as running Outrigger
 * too, keeping only their labels and service account (a pod's full object is large). fabric8's informers list, then watch, and re-list after a
 * lost watch; until the API server answers, the catalog keeps what it last had (nothing, at
 * start: the static config serves alone). A change to the list of Services rebuilds the snapshot
 * once per burst, 100 ms after its first event, off the informers' threads.
 */
public final class ServiceWatch implements HealthIndicator, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ServiceWatch.class);
    private static final long REBUILD_AFTER_MILLIS = 100;
    static final String ZONE_LABEL = "topology.kubernetes.io/zone";

    private final List<SharedIndexInformer<?>> informers = new CopyOnWriteArrayList<>();   // some start later, off this thread
    private volatile boolean closed;
    private final ScheduledExecutorService rebuilds = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("outrigger-discovery").factory());
    private final AtomicBoolean rebuildPending = new AtomicBoolean();
    private final ServiceCatalog catalog;
    private final MeterRegistry registry;
    private volatile String lastError;

    /**
     * Starts watching; {@code rebuild} is run after the list of Services changed.
     *
     * @param namespaces empty: every namespace
     * @param meshedPods whether to watch the pods that run Outrigger (for auto mTLS)
     * @param node       this pod's node, whose zone label gives the catalog its zone if it has none; or null
     */
    public ServiceWatch(KubernetesClient client, List<String> namespaces, boolean meshedPods, String node,
            ServiceCatalog catalog, Runnable rebuild, MeterRegistry registry) {
        this.catalog = catalog;
        this.registry = registry;
        MeterCatalog.DISCOVERY_SERVICES.gauge(catalog, c -> c.services().size()).register(registry);
        MeterCatalog.DISCOVERY_ENDPOINTS.gauge(catalog, ServiceCatalog::endpointCount).register(registry);
        MeterCatalog.DISCOVERY_WATCH_CONNECTED.gauge(this, w -> w.watching() ? 1 : 0).register(registry);
        catalog.onServicesChanged(() -> {
            if (rebuildPending.compareAndSet(false, true)) {
                rebuilds.schedule(() -> {
                    rebuildPending.set(false);
                    try {
                        rebuild.run();
                    } catch (RuntimeException e) {
                        log.error("discovery: rebuilding the snapshot failed", e);
                    }
                }, REBUILD_AFTER_MILLIS, TimeUnit.MILLISECONDS);
            }
        });
        ResourceEventHandler<Service> services = handler(catalog::serviceChanged, catalog::serviceDeleted);
        ResourceEventHandler<EndpointSlice> slices = handler(catalog::sliceChanged, catalog::sliceDeleted);
        ResourceEventHandler<Pod> pods = handler(catalog::podChanged, catalog::podDeleted);
        var serialization = client.getKubernetesSerialization();
        List<String> scopes = namespaces.isEmpty() ? List.of("") : namespaces;
        // Meshed pods are listed first, so that no endpoint of a pod with a sidecar is ever fed
        // without its identity (it would be called in plain text and refused under STRICT). The
        // Services and slices wait for that list, or 10 s with no API server.
        List<CompletableFuture<Void>> podLists = new ArrayList<>();
        for (String namespace : meshedPods ? scopes : List.<String>of()) {
            var scope = namespace.isEmpty() ? client.pods().inAnyNamespace() : client.pods().inNamespace(namespace);
            SharedIndexInformer<Pod> informer = scope.withLabel(ServiceCatalog.MESHED_LABEL, ServiceCatalog.MESHED_VALUE)
                    .runnableInformer(0);
            informer.itemStore(new ReducedStateItemStore<>(ReducedStateItemStore.NAME_KEY_STATE, Pod.class,
                    serialization, "metadata.labels", "spec.serviceAccountName"));
            podLists.add(start(informer, pods, "pods", "meshed pods" + (namespace.isEmpty() ? "" : " in " + namespace)));
        }
        CompletableFuture.allOf(podLists.toArray(CompletableFuture[]::new))
                .completeOnTimeout(null, podLists.isEmpty() ? 0 : 10, TimeUnit.SECONDS)
                .whenComplete((listed, error) -> {
                    if (closed) {
                        return;
                    }
                    for (String namespace : scopes) {
                        boolean all = namespace.isEmpty();
                        String in = all ? "" : " in " + namespace;
                        // The catalog keeps what it needs of each object (DiscoveredService, SliceEntry);
                        // the informers' caches keep only keys and labels, not the full objects.
                        SharedIndexInformer<Service> serviceInformer = all ? client.services().inAnyNamespace().runnableInformer(0)
                                : client.services().inNamespace(namespace).runnableInformer(0);
                        serviceInformer.itemStore(new ReducedStateItemStore<>(ReducedStateItemStore.NAME_KEY_STATE, Service.class,
                                serialization, "metadata.labels"));
                        start(serviceInformer, services, "services", "Services" + in);
                        SharedIndexInformer<EndpointSlice> sliceInformer = all
                                ? client.discovery().v1().endpointSlices().inAnyNamespace().runnableInformer(0)
                                : client.discovery().v1().endpointSlices().inNamespace(namespace).runnableInformer(0);
                        sliceInformer.itemStore(new ReducedStateItemStore<>(ReducedStateItemStore.NAME_KEY_STATE, EndpointSlice.class,
                                serialization, "metadata.labels"));
                        start(sliceInformer, slices, "endpointslices", "EndpointSlices" + in);
                    }
                });
        if (catalog.zone() == null && node != null && !node.isBlank()) {
            rebuilds.execute(() -> readZone(client, node));
        }
        log.info("discovery: watching Services, EndpointSlices{} in {}", meshedPods ? " and meshed pods" : "",
                namespaces.isEmpty() ? "every namespace" : namespaces);
    }

    /**
     * Reads this pod's zone from its node's {@value #ZONE_LABEL} label, off the start-up path;
     * tried again every 30 s while the API server cannot be asked. A node without the label
     * leaves locality off.
     */
    private void readZone(KubernetesClient client, String node) {
        try {
            Node found = client.nodes().withName(node).get();
            String zone = found == null || found.getMetadata().getLabels() == null ? null
                    : found.getMetadata().getLabels().get(ZONE_LABEL);
            if (zone == null) {
                log.info("discovery: node {} has no {} label: no zone preference", node, ZONE_LABEL);
                return;
            }
            catalog.zone(zone);
            log.info("discovery: this pod is in zone {} (node {}): endpoints there are preferred", zone, node);
        } catch (KubernetesClientException e) {
            if (e.getCode() == 403 || e.getCode() == 404) {
                // Not allowed (a namespaced binding cannot grant nodes) or no such node: asking again changes nothing.
                log.warn("discovery: cannot read node {} for its zone ({}): no zone preference; set outrigger.identity.zone",
                        node, e.getCode() == 403 ? "forbidden" : "not found");
                return;
            }
            log.warn("discovery: cannot read node {} for its zone ({}); trying again in 30 s", node, e.toString());
            rebuilds.schedule(() -> readZone(client, node), 30, TimeUnit.SECONDS);
        }
    }

    /** An informer's events as the catalog takes them: added or updated is a change, the last state counts. */
    private static <T> ResourceEventHandler<T> handler(Consumer<T> changed, Consumer<T> deleted) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T object) {
                changed.accept(object);
            }

            @Override
            public void onUpdate(T before, T object) {
                changed.accept(object);
            }

            @Override
            public void onDelete(T object, boolean finalStateUnknown) {
                deleted.accept(object);
            }
        };
    }

    /**
     * Starts an informer without waiting for it: with no API server, start-up goes on and the
     * informer keeps retrying; a failed list or a lost watch leaves the catalog as it was.
     */
    private <T> CompletableFuture<Void> start(SharedIndexInformer<T> informer, ResourceEventHandler<T> handler, String resource,
            String what) {
        AtomicBoolean failing = new AtomicBoolean();
        Counter failures = MeterCatalog.DISCOVERY_WATCH_FAILURES.counter().tag(MeterCatalog.RESOURCE, resource).register(registry);
        informer.exceptionHandler((started, error) -> {
            failures.increment();
            lastError = what + ": " + error;
            if (failing.compareAndSet(false, true)) {
                log.warn("discovery: cannot list or watch {} ({}); the endpoints known keep serving, retrying", what, error.toString());
            }
            return true;
        });
        informer.addEventHandler(handler);
        CompletableFuture<Void> listed = informer.start().toCompletableFuture();
        listed.whenComplete((done, error) -> {
            if (error == null) {
                failing.set(false);
            }
        });
        informers.add(informer);
        // A watch that closes is reopened by the informer without asking the handler above: a
        // check every second counts the loss, so the meter and the health details show it.
        AtomicBoolean was = new AtomicBoolean();
        rebuilds.scheduleWithFixedDelay(() -> {
            boolean now = informer.isWatching();
            if (was.getAndSet(now) && !now) {
                failures.increment();
                lastError = what + ": the watch was lost";
                log.warn("discovery: the watch on {} was lost; the endpoints known keep serving, reconnecting", what);
            }
        }, 1, 1, TimeUnit.SECONDS);
        return listed;
    }

    /** Whether every informer has listed and is watching now. */
    public boolean watching() {
        return informers.stream().allMatch(SharedIndexInformer::isWatching);
    }

    /**
     * Discovery's state for {@code /actuator/health}. Always UP: a lost watch keeps the endpoints
     * known serving, so it must not take the pod out of rotation; the details say what is wrong.
     */
    @Override
    public Health health() {
        Health.Builder health = Health.up()
                .withDetail("services", catalog.services().size())
                .withDetail("endpoints", catalog.endpointCount())
                .withDetail("watching", watching());
        String error = lastError;
        if (error != null) {
            health.withDetail("lastError", error);
        }
        return health.build();
    }

    @Override
    public void close() {
        closed = true;
        informers.forEach(SharedIndexInformer::close);
        rebuilds.shutdownNow();
    }
}
