package io.outrigger.telemetry;

import io.micrometer.core.instrument.Tags;
import io.outrigger.cluster.Cluster;
import io.outrigger.config.OutriggerProperties;

import static io.outrigger.telemetry.MeterCatalog.*;

/** The labels Istio puts on every request and TCP metric, fixed per direction, cluster and protocol. */
final class IstioLabels {

    private IstioLabels() {
    }

    /**
     * Outbound, reported by the source: this pod calls a service it knows by its cluster. The
     * security policy is the connection's as this side made it: {@code none} (plaintext) until
     * mutual TLS exists; the contract's values are {@code mutual_tls} and {@code none}.
     */
    static Tags outbound(OutriggerProperties.Identity identity, Cluster cluster, String protocol) {
        ServiceName service = cluster == null ? ServiceName.UNKNOWN : ServiceName.of(cluster);
        return Tags.of(REPORTER, "source")
                .and(SOURCE_WORKLOAD, identity.workload())
                .and(SOURCE_WORKLOAD_NAMESPACE, identity.namespace())
                .and(SOURCE_PRINCIPAL, UNKNOWN)
                .and(DESTINATION_WORKLOAD, UNKNOWN)
                .and(DESTINATION_WORKLOAD_NAMESPACE, service.namespace())
                .and(DESTINATION_PRINCIPAL, UNKNOWN)
                .and(DESTINATION_SERVICE, service.fqdn())
                .and(DESTINATION_SERVICE_NAME, service.name())
                .and(DESTINATION_SERVICE_NAMESPACE, service.namespace())
                .and(DESTINATION_CLUSTER, cluster == null ? UNKNOWN : cluster.name())
                .and(REQUEST_PROTOCOL, protocol)
                .and(CONNECTION_SECURITY_POLICY, "none");
    }

    /** Inbound, reported by the destination: a peer calls this pod's own service. */
    static Tags inbound(OutriggerProperties.Identity identity, String clusterName, String protocol) {
        ServiceName service = ServiceName.own(identity);
        return Tags.of(REPORTER, "destination")
                .and(SOURCE_WORKLOAD, UNKNOWN)
                .and(SOURCE_WORKLOAD_NAMESPACE, UNKNOWN)
                .and(SOURCE_PRINCIPAL, UNKNOWN)
                .and(DESTINATION_WORKLOAD, identity.workload())
                .and(DESTINATION_WORKLOAD_NAMESPACE, identity.namespace())
                .and(DESTINATION_PRINCIPAL, UNKNOWN)
                .and(DESTINATION_SERVICE, service.fqdn())
                .and(DESTINATION_SERVICE_NAME, service.name())
                .and(DESTINATION_SERVICE_NAMESPACE, service.namespace())
                .and(DESTINATION_CLUSTER, clusterName)
                .and(REQUEST_PROTOCOL, protocol)
                .and(CONNECTION_SECURITY_POLICY, "none");
    }
}
