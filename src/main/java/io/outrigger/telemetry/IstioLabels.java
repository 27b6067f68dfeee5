package io.outrigger.telemetry;

import io.micrometer.core.instrument.Tags;
import io.outrigger.cluster.Cluster;
import io.outrigger.common.MeterCatalog;
import io.outrigger.config.OutriggerProperties;

import static io.outrigger.common.MeterCatalog.*;

/** The labels Istio puts on every request and TCP metric, fixed per direction, cluster and protocol. */
final class IstioLabels {

    private IstioLabels() {
    }

    /** Who is at each end of a hop, as far as this side knows. */
    record Principals(String own, String peer, boolean mutualTls) {
        static final Principals PLAINTEXT = new Principals(null, null, false);

        String ownOrUnknown() {
            return mutualTls && own != null ? own : UNKNOWN;
        }

        String peerOrUnknown() {
            return peer != null ? peer : UNKNOWN;
        }

        String policy() {
            return mutualTls ? "mutual_tls" : "none";
        }
    }

    static Tags outbound(OutriggerProperties.Identity identity, Cluster cluster, String protocol) {
        return outbound(identity, cluster, protocol, Principals.PLAINTEXT);
    }

    static Tags inbound(OutriggerProperties.Identity identity, String clusterName, String protocol) {
        return inbound(identity, clusterName, protocol, Principals.PLAINTEXT);
    }

    /**
     * Outbound, reported by the source: this pod calls a service it knows by its cluster. Over
     * mTLS the source principal is this pod's SPIFFE ID and the destination's the peer's; the
     * security policy is {@code mutual_tls} or {@code none}, the contract's values.
     */
    static Tags outbound(OutriggerProperties.Identity identity, Cluster cluster, String protocol, Principals principals) {
        ServiceName service = cluster == null ? ServiceName.UNKNOWN : ServiceName.of(cluster);
        return Tags.of(REPORTER, "source")
                .and(SOURCE_WORKLOAD, identity.workload())
                .and(SOURCE_WORKLOAD_NAMESPACE, identity.namespace())
                .and(SOURCE_PRINCIPAL, principals.ownOrUnknown())
                .and(DESTINATION_WORKLOAD, UNKNOWN)
                .and(DESTINATION_WORKLOAD_NAMESPACE, service.namespace())
                .and(DESTINATION_PRINCIPAL, principals.peerOrUnknown())
                .and(DESTINATION_SERVICE, service.fqdn())
                .and(DESTINATION_SERVICE_NAME, service.name())
                .and(DESTINATION_SERVICE_NAMESPACE, service.namespace())
                .and(DESTINATION_CLUSTER, cluster == null ? UNKNOWN : cluster.name())
                .and(REQUEST_PROTOCOL, protocol)
                .and(CONNECTION_SECURITY_POLICY, principals.policy());
    }

    /** Inbound, reported by the destination: a peer calls this pod's own service. */
    static Tags inbound(OutriggerProperties.Identity identity, String clusterName, String protocol, Principals principals) {
        ServiceName service = ServiceName.own(identity);
        return Tags.of(REPORTER, "destination")
                .and(SOURCE_WORKLOAD, UNKNOWN)
                .and(SOURCE_WORKLOAD_NAMESPACE, UNKNOWN)
                .and(SOURCE_PRINCIPAL, principals.peerOrUnknown())
                .and(DESTINATION_WORKLOAD, identity.workload())
                .and(DESTINATION_WORKLOAD_NAMESPACE, identity.namespace())
                .and(DESTINATION_PRINCIPAL, principals.ownOrUnknown())
                .and(DESTINATION_SERVICE, service.fqdn())
                .and(DESTINATION_SERVICE_NAME, service.name())
                .and(DESTINATION_SERVICE_NAMESPACE, service.namespace())
                .and(DESTINATION_CLUSTER, clusterName)
                .and(REQUEST_PROTOCOL, protocol)
                .and(CONNECTION_SECURITY_POLICY, principals.policy());
    }
}
