package io.outrigger.discovery;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.outrigger.cluster.DiscoveredService;
import io.outrigger.cluster.EndpointFeed;
import io.outrigger.cluster.EndpointInfo;

/**
 * The Services, EndpointSlices and meshed pods discovery has seen, and what follows from them: the
 * list of Services (each port a cluster) and, per port, the endpoints that take traffic
 * ({@link SliceEndpoints}), pushed to the clusters that subscribed ({@link EndpointFeed}).
 *
 * <p>A pod runs Outrigger when it carries the label {@value #MESHED_LABEL}={@value #MESHED_VALUE}
 * (the injector and the manifests set it, as Istio's injector sets {@code security.istio.io/tlsMode});
 * its endpoints then carry the sidecar's SPIFFE ID, from the pod's service account.
 *
 * <p>Events come from the informers' threads; the catalog is one lock. A change to the list of
 * Services is told to {@code onServicesChanged} after the lock is released.
 */
public final class ServiceCatalog implements EndpointFeed {

    static final String SERVICE_NAME_LABEL = SliceEntry.SERVICE_NAME_LABEL;
    /** The label of a pod that runs Outrigger. */
    public static final String MESHED_LABEL = "security.outrigger.io/tlsMode";
    public static final String MESHED_VALUE = "outrigger";

    private volatile Locality locality;
    private final String trustDomain;
    private final Map<String, DiscoveredService> services = new HashMap<>();          // by namespace/name
    private final Map<String, Boolean> preferClose = new HashMap<>();                  // by namespace/name
    private final Map<String, SliceEntry> slices = new HashMap<>();                   // by namespace/slice name
    private final Map<String, Map<String, SliceEntry>> slicesByService = new HashMap<>(); // namespace/service -> slice name
    private final Map<String, String> meshedPods = new HashMap<>();                   // namespace/pod -> service account
    private final Map<String, List<Consumer<List<EndpointInfo>>>> subscribers = new HashMap<>(); // by feed key
    private final Map<String, List<EndpointInfo>> fed = new HashMap<>();              // last pushed, by feed key
    private final List<Runnable> servicesChanged = new CopyOnWriteArrayList<>();
    private volatile List<DiscoveredService> current = List.of();

    /** A catalog with no locality, in trust domain {@code cluster.local}. */
    public ServiceCatalog() {
        this(Locality.NONE, "cluster.local");
    }

    /** @param trustDomain the mesh's SPIFFE trust domain, for the identities of meshed pods */
    public ServiceCatalog(Locality locality, String trustDomain) {
        this.locality = locality;
        this.trustDomain = trustDomain;
    }

    /** This pod's zone became known (read from its node): every list is recomputed with it. */
    public synchronized void zone(String zone) {
        if (locality.zone() == null && zone != null) {
            locality = new Locality(zone, locality.preferSameZone(), locality.failoverPercent());
            subscribers.forEach(this::push);
        }
    }

    /** The zone locality prefers, or null. */
    public String zone() {
        return locality.zone();
    }

    /** Endpoints fed now to the clusters that subscribed, those taking traffic. */
    public synchronized int endpointCount() {
        int count = 0;
        for (Map.Entry<String, List<EndpointInfo>> entry : fed.entrySet()) {
            count += entry.getValue().size();
        }
        return count;
    }

    /** The Services known now, in a stable order. */
    public List<DiscoveredService> services() {
        return current;
    }

    /** Tells {@code listener} of every later change to the list of Services or their ports. */
    public void onServicesChanged(Runnable listener) {
        servicesChanged.add(listener);
    }

    public void serviceChanged(Service service) {
        DiscoveredService found = ServiceEntry.of(service);
        boolean changed;
        synchronized (this) {
            String key = key(service.getMetadata().getNamespace(), service.getMetadata().getName());
            DiscoveredService before = found == null ? services.remove(key) : services.put(key, found);
            String distribution = service.getSpec() == null ? null : service.getSpec().getTrafficDistribution();
            boolean close = "PreferClose".equals(distribution) || "PreferSameZone".equals(distribution);
            boolean closeChanged = !Objects.equals(preferClose.put(key, close), close);
            changed = !Objects.equals(before, found);
            if (closeChanged && !changed) {
                refeed(service.getMetadata().getNamespace(), service.getMetadata().getName());
            }
            if (changed) {
                publish();
                refeed(service.getMetadata().getNamespace(), service.getMetadata().getName());   // ports by number may now resolve
            }
        }
        if (changed) {
            servicesChanged.forEach(Runnable::run);
        }
    }

    public void serviceDeleted(Service service) {
        boolean changed;
        synchronized (this) {
            preferClose.remove(key(service.getMetadata().getNamespace(), service.getMetadata().getName()));
            changed = services.remove(key(service.getMetadata().getNamespace(), service.getMetadata().getName())) != null;
            if (changed) {
                publish();
                refeed(service.getMetadata().getNamespace(), service.getMetadata().getName());
            }
        }
        if (changed) {
            servicesChanged.forEach(Runnable::run);
        }
    }

    public void sliceChanged(EndpointSlice slice) {
        SliceEntry entry = SliceEntry.of(slice);   // parsed outside the lock
        if (entry.service() == null) {
            sliceDeleted(slice);   // not (or no longer) a Service's: it feeds nothing
            return;
        }
        synchronized (this) {
            SliceEntry before = slices.put(key(entry.namespace(), entry.name()), entry);
            if (before != null) {
                unindex(before);
            }
            slicesByService.computeIfAbsent(key(entry.namespace(), entry.service()), k -> new HashMap<>()).put(entry.name(), entry);
            refeed(entry.namespace(), entry.service());
            if (before != null && !Objects.equals(before.service(), entry.service())) {
                refeed(before.namespace(), before.service());
            }
        }
    }

    public synchronized void sliceDeleted(EndpointSlice slice) {
        SliceEntry gone = slices.remove(key(slice.getMetadata().getNamespace(), slice.getMetadata().getName()));
        if (gone != null) {
            unindex(gone);
            refeed(gone.namespace(), gone.service());
        }
    }

    private void unindex(SliceEntry slice) {
        String service = key(slice.namespace(), slice.service());
        Map<String, SliceEntry> ofService = slicesByService.get(service);
        if (ofService != null && ofService.remove(slice.name()) != null && ofService.isEmpty()) {
            slicesByService.remove(service);
        }
    }

    /** A pod labelled as running Outrigger appeared or changed: its endpoints are reached with mTLS. */
    public void podChanged(Pod pod) {
        String account = pod.getSpec() == null || pod.getSpec().getServiceAccountName() == null
                ? "default" : pod.getSpec().getServiceAccountName();
        Map<String, String> labels = pod.getMetadata().getLabels();
        boolean meshed = labels != null && MESHED_VALUE.equals(labels.get(MESHED_LABEL));
        synchronized (this) {
            String key = key(pod.getMetadata().getNamespace(), pod.getMetadata().getName());
            String before = meshed ? meshedPods.put(key, account) : meshedPods.remove(key);
            if (!Objects.equals(before, meshed ? account : null)) {
                refeedPod(pod.getMetadata().getNamespace(), key);
            }
        }
    }

    public synchronized void podDeleted(Pod pod) {
        String key = key(pod.getMetadata().getNamespace(), pod.getMetadata().getName());
        if (meshedPods.remove(key) != null) {
            refeedPod(pod.getMetadata().getNamespace(), key);
        }
    }

    @Override
    public synchronized Subscription subscribe(String source, Consumer<List<EndpointInfo>> endpoints) {
        subscribers.computeIfAbsent(source, k -> new ArrayList<>()).add(endpoints);
        endpoints.accept(fed.computeIfAbsent(source, this::endpoints));
        return () -> {
            synchronized (ServiceCatalog.this) {
                List<Consumer<List<EndpointInfo>>> left = subscribers.get(source);
                if (left != null && left.remove(endpoints) && left.isEmpty()) {
                    subscribers.remove(source);
                    fed.remove(source);
                }
            }
        };
    }

    /** Recomputes and pushes the endpoints of every port of a Service that has subscribers. */
    private void refeed(String namespace, String service) {
        String prefix = key(namespace, service) + ":";
        subscribers.forEach((feedKey, listeners) -> {
            if (feedKey.startsWith(prefix)) {
                push(feedKey, listeners);
            }
        });
    }

    /**
     * Recomputes the Services whose slices list pod {@code podKey}: its sidecar came or went. A
     * walk over the namespace's slices, on pod events alone, rather than an index of every pod.
     */
    private void refeedPod(String namespace, String podKey) {
        String pod = podKey.substring(podKey.indexOf('/') + 1);
        String prefix = namespace + "/";
        List<String> services = new ArrayList<>();
        slicesByService.forEach((service, ofService) -> {
            if (service.startsWith(prefix) && ofService.values().stream()
                    .anyMatch(slice -> slice.members().stream().anyMatch(member -> pod.equals(member.pod())))) {
                services.add(service.substring(prefix.length()));
            }
        });
        services.forEach(service -> refeed(namespace, service));
    }

    private void push(String feedKey, List<Consumer<List<EndpointInfo>>> listeners) {
        List<EndpointInfo> next = endpoints(feedKey);
        if (!next.equals(fed.put(feedKey, next))) {
            listeners.forEach(subscriber -> subscriber.accept(next));
        }
    }

    /**
     * The endpoints that take traffic for feed key {@code namespace/service:port-name}, or
     * {@code namespace/service:#number} for a port by its number (a route's {@code service:}
     * destination): none while the Service is not known.
     */
    private List<EndpointInfo> endpoints(String feedKey) {
        int slash = feedKey.indexOf('/');
        int colon = feedKey.indexOf(':', slash);
        String namespace = feedKey.substring(0, slash);
        String service = feedKey.substring(slash + 1, colon);
        String portName = portName(namespace, service, feedKey.substring(colon + 1));
        Map<String, SliceEntry> ofService = slicesByService.get(key(namespace, service));
        if (portName == null || ofService == null) {
            return List.of();
        }
        return SliceEndpoints.of(ofService.values(), portName, preferClose.getOrDefault(key(namespace, service), false),
                locality, pod -> identity(namespace, pod));
    }

    /** The SPIFFE ID of the sidecar in pod {@code namespace/pod}, or null when it runs none. */
    private String identity(String namespace, String pod) {
        String account = meshedPods.get(key(namespace, pod));
        return account == null ? null : "spiffe://" + trustDomain + "/ns/" + namespace + "/sa/" + account;
    }

    /** The port's name: as given, or for {@code #number} the name of the Service's port with that number. */
    private String portName(String namespace, String service, String port) {
        if (!port.startsWith("#")) {
            return port;
        }
        DiscoveredService known = services.get(key(namespace, service));
        if (known != null) {
            for (DiscoveredService.Port candidate : known.ports()) {
                if (port.equals("#" + candidate.port())) {
                    return candidate.name();
                }
            }
        }
        return null;
    }

    private void publish() {
        current = services.values().stream()
                .sorted(Comparator.comparing(DiscoveredService::namespace).thenComparing(DiscoveredService::name))
                .toList();
    }

    private static String key(String namespace, String name) {
        return namespace + "/" + name;
    }
}
