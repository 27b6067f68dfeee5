package io.outrigger.discovery;

import java.util.ArrayList;
import java.util.List;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.outrigger.cluster.DiscoveredService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A Service as the catalog keeps it: a cluster source, with bad ports skipped and named in a warning. */
final class ServiceEntry {

    private static final Logger log = LoggerFactory.getLogger(ServiceEntry.class);

    private ServiceEntry() {
    }

    /** A Service as a cluster source; null for one with nothing to route to (no ports). */
    static DiscoveredService of(Service service) {
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
}
