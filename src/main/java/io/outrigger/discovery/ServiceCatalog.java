package io.outrigger.discovery;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointConditions;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.netty.util.NetUtil;
import io.outrigger.cluster.DiscoveredService;
import io.outrigger.cluster.EndpointFeed;
import io.outrigger.cluster.EndpointInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Services and EndpointSlices discovery has seen, and what follows from them: the list of
 * Services (each port a cluster) and, per port, the endpoints that take traffic, pushed to the
 * clusters that subscribed ({@link EndpointFeed}). An endpoint takes traffic when it is ready;
 * serving and terminating ones only while no ready one is left (kube-proxy's rule, so a rolling
 * update's last pods still serve). Absent conditions mean what the API says: {@code ready} and
 * {@code serving} true, {@code terminating} false.
 *
 * <p>Events come from the informers' threads; the catalog is one lock. A change to the list of
 * Services is told to {@code onServicesChanged} after the lock is released.
 */
public final class ServiceCatalog implements EndpointFeed {

    private static final Logger log = LoggerFactory.getLogger(ServiceCatalog.class);
    static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

    private final Map<String, DiscoveredService> services = new HashMap<>();          // by namespace/name
    private final Map<String, EndpointSlice> slices = new HashMap<>();                // by namespace/slice name
    private final Map<String, List<Consumer<List<EndpointInfo>>>> subscribers = new HashMap<>(); // by feed key
    private final Map<String, List<EndpointInfo>> fed = new HashMap<>();              // last pushed, by feed key
    private final List<Runnable> servicesChanged = new CopyOnWriteArrayList<>();
    private volatile List<DiscoveredService> current = List.of();

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
        DiscoveredService found = toService(service);
        boolean changed;
        synchronized (this) {
            String key = key(service.getMetadata().getNamespace(), service.getMetadata().getName());
            DiscoveredService before = found == null ? services.remove(key) : services.put(key, found);
            changed = !Objects.equals(before, found);
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

    public synchronized void sliceChanged(EndpointSlice slice) {
        EndpointSlice before = slices.put(key(slice.getMetadata().getNamespace(), slice.getMetadata().getName()), slice);
        refeed(slice.getMetadata().getNamespace(), serviceOf(slice));
        if (before != null && !Objects.equals(serviceOf(before), serviceOf(slice))) {
            refeed(before.getMetadata().getNamespace(), serviceOf(before));
        }
    }

    public synchronized void sliceDeleted(EndpointSlice slice) {
        EndpointSlice before = slices.remove(key(slice.getMetadata().getNamespace(), slice.getMetadata().getName()));
        EndpointSlice gone = before != null ? before : slice;
        refeed(gone.getMetadata().getNamespace(), serviceOf(gone));
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
        for (Map.Entry<String, List<Consumer<List<EndpointInfo>>>> entry : subscribers.entrySet()) {
            if (entry.getKey().startsWith(prefix)) {
                List<EndpointInfo> next = endpoints(entry.getKey());
                if (!next.equals(fed.put(entry.getKey(), next))) {
                    entry.getValue().forEach(subscriber -> subscriber.accept(next));
                }
            }
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
        if (portName == null) {
            return List.of();
        }
        List<EndpointInfo> ready = new ArrayList<>();
        List<EndpointInfo> terminating = new ArrayList<>();
        for (EndpointSlice slice : slices.values()) {
            if (!namespace.equals(slice.getMetadata().getNamespace()) || !service.equals(serviceOf(slice))) {
                continue;
            }
            Integer port = portNumber(slice, portName);
            if (port == null || slice.getEndpoints() == null) {
                continue;
            }
            for (Endpoint endpoint : slice.getEndpoints()) {
                EndpointConditions conditions = endpoint.getConditions();
                boolean isReady = conditions == null || !Boolean.FALSE.equals(conditions.getReady());
                boolean serving = conditions == null || !Boolean.FALSE.equals(conditions.getServing());
                boolean isTerminating = conditions != null && Boolean.TRUE.equals(conditions.getTerminating());
                if (!isReady && !(serving && isTerminating)) {
                    continue;   // not ready: no traffic
                }
                String pod = endpoint.getTargetRef() == null ? null : endpoint.getTargetRef().getName();
                for (String address : endpoint.getAddresses() == null ? List.<String>of() : endpoint.getAddresses()) {
                    InetAddress ip = ip(address, slice);
                    if (ip != null) {
                        InetSocketAddress at = new InetSocketAddress(ip, port);
                        (isReady ? ready : terminating).add(new EndpointInfo(at, pod, endpoint.getZone(),
                                isReady ? EndpointInfo.State.READY : EndpointInfo.State.TERMINATING));
                    }
                }
            }
        }
        List<EndpointInfo> chosen = ready.isEmpty() ? terminating : ready;
        chosen.sort(Comparator.comparing(info -> info.address().toString()));
        return List.copyOf(chosen);
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

    private static Integer portNumber(EndpointSlice slice, String portName) {
        if (slice.getPorts() == null) {
            return null;
        }
        for (EndpointPort port : slice.getPorts()) {
            String name = port.getName() == null ? "" : port.getName();
            if (name.equals(portName) && port.getPort() != null) {
                return port.getPort();
            }
        }
        return null;
    }

    /** An IP literal, parsed without a DNS lookup; null, with a warning naming the slice, for anything else. */
    private static InetAddress ip(String address, EndpointSlice slice) {
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(address);
        if (bytes != null) {
            try {
                return InetAddress.getByAddress(bytes);
            } catch (UnknownHostException impossible) {
                // a literal of the right length
            }
        }
        log.warn("EndpointSlice {}/{}: endpoint address '{}' is not an IP address, skipped",
                slice.getMetadata().getNamespace(), slice.getMetadata().getName(), address);
        return null;
    }

    /** A Service as a cluster source; null for one with nothing to route to (no ports). */
    private static DiscoveredService toService(Service service) {
        if (service.getSpec() == null || service.getSpec().getPorts() == null) {
            return null;
        }
        boolean external = "ExternalName".equals(service.getSpec().getType());
        if (external && (service.getSpec().getExternalName() == null || service.getSpec().getExternalName().isBlank())) {
            log.warn("Service {}/{}: ExternalName without an external name, skipped", service.getMetadata().getNamespace(),
                    service.getMetadata().getName());
            return null;
        }
        List<DiscoveredService.Port> ports = new ArrayList<>();
        for (ServicePort port : service.getSpec().getPorts()) {
            if (port.getPort() == null || port.getPort() < 1 || port.getPort() > 65535) {
                log.warn("Service {}/{}: port {} has no valid number, skipped", service.getMetadata().getNamespace(),
                        service.getMetadata().getName(), port.getName());
                continue;
            }
            ports.add(new DiscoveredService.Port(port.getName() == null ? "" : port.getName(), port.getPort(), port.getAppProtocol()));
        }
        String clusterIp = external || "None".equals(service.getSpec().getClusterIP()) ? null : service.getSpec().getClusterIP();
        return new DiscoveredService(service.getMetadata().getNamespace(), service.getMetadata().getName(), clusterIp,
                List.copyOf(ports), external ? service.getSpec().getExternalName() : null);
    }

    private void publish() {
        current = services.values().stream()
                .sorted(Comparator.comparing(DiscoveredService::namespace).thenComparing(DiscoveredService::name))
                .toList();
    }

    private static String serviceOf(EndpointSlice slice) {
        return slice.getMetadata().getLabels() == null ? null : slice.getMetadata().getLabels().get(SERVICE_NAME_LABEL);
    }

    private static String key(String namespace, String name) {
        return namespace + "/" + name;
    }
}
