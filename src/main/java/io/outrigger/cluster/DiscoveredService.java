package io.outrigger.cluster;

import java.util.List;

/**
 * A Kubernetes Service as discovery found it: every port of it is a cluster, named as Istio names
 * it ({@link #clusterName}), whose endpoints come from the Service's EndpointSlices.
 *
 * @param clusterIp    the Service's virtual IP, or null for a headless or ExternalName Service
 * @param externalName for an ExternalName Service, the DNS name it stands for; else null
 */
public record DiscoveredService(String namespace, String name, String clusterIp, List<Port> ports, String externalName) {

    public DiscoveredService(String namespace, String name, String clusterIp, List<Port> ports) {
        this(namespace, name, clusterIp, ports, null);
    }

    /** One port of the Service; {@code name} is "" for a Service's single unnamed port. */
    public record Port(String name, int port, String appProtocol) {
    }

    /** The Service's full DNS name, {@code name.namespace.svc.DOMAIN}. */
    public String host(String clusterDomain) {
        return name + "." + namespace + ".svc." + clusterDomain;
    }

    /** Istio's name for the outbound cluster of one port: {@code outbound|PORT||HOST}. */
    public String clusterName(Port port, String clusterDomain) {
        return "outbound|" + port.port() + "||" + host(clusterDomain);
    }

    /** The key discovery feeds this port's endpoints under: {@code namespace/name:port-name}. */
    public String feedKey(Port port) {
        return namespace + "/" + name + ":" + port.name();
    }
}
