package io.outrigger.telemetry;

import io.outrigger.cluster.Cluster;
import io.outrigger.cluster.EndpointAddress;
import io.outrigger.common.MeterCatalog;
import io.outrigger.config.OutriggerProperties;

/**
 * The destination service labels. Outbound, a cluster whose first endpoint is a Kubernetes
 * service name ({@code reviews.default.svc.cluster.local}) names that service and its namespace;
 * a cluster of IP addresses is named after the cluster itself, its namespace unknown. Inbound,
 * the service is the pod's own, as configured in {@code outrigger.identity.service}.
 */
record ServiceName(String fqdn, String name, String namespace) {

    static final ServiceName UNKNOWN = new ServiceName(MeterCatalog.UNKNOWN, MeterCatalog.UNKNOWN, MeterCatalog.UNKNOWN);

    static ServiceName of(Cluster cluster) {
        int discovered = cluster.name().startsWith("outbound|") ? cluster.name().indexOf("||") : -1;
        if (discovered > 0) {
            // A discovered Service's cluster, outbound|PORT||NAME.NS.svc.DOMAIN, as Istio names it.
            String host = cluster.name().substring(discovered + 2);
            String[] labels = host.split("\\.");
            return new ServiceName(host, labels[0], labels.length > 1 ? labels[1] : MeterCatalog.UNKNOWN);
        }
        if (cluster.spec().endpoints().isEmpty()) {
            return new ServiceName(cluster.name(), cluster.name(), MeterCatalog.UNKNOWN);
        }
        EndpointAddress first = cluster.spec().endpoints().get(0);
        if (first.isIpLiteral()) {
            return new ServiceName(cluster.name(), cluster.name(), MeterCatalog.UNKNOWN);
        }
        String host = first.host();
        String[] labels = host.split("\\.");
        boolean kubernetes = labels.length >= 3 && labels[2].equals("svc");
        return new ServiceName(host, labels[0], kubernetes ? labels[1] : MeterCatalog.UNKNOWN);
    }

    static ServiceName own(OutriggerProperties.Identity identity) {
        if (MeterCatalog.UNKNOWN.equals(identity.service())) {
            return new ServiceName(MeterCatalog.UNKNOWN, MeterCatalog.UNKNOWN, identity.namespace());
        }
        String fqdn = MeterCatalog.UNKNOWN.equals(identity.namespace())
                ? identity.service()
                : identity.service() + "." + identity.namespace() + ".svc.cluster.local";
        return new ServiceName(fqdn, identity.service(), identity.namespace());
    }
}
