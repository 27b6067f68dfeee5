package io.outrigger.admin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.outrigger.cluster.Cluster;
import io.outrigger.cluster.Endpoint;
import io.outrigger.snapshot.Snapshot;
import io.outrigger.snapshot.SnapshotHolder;
import io.outrigger.upstream.EndpointConnections;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * {@code /actuator/clusters}: every cluster of the live snapshot with its resolved endpoints, their
 * health, requests in flight and connection pool use. Without health checks or outlier detection
 * every resolved endpoint counts as healthy, as in Envoy.
 */
@org.springframework.boot.actuate.endpoint.annotation.Endpoint(id = "clusters")
public final class ClustersEndpoint {

    private final SnapshotHolder snapshots;

    public ClustersEndpoint(SnapshotHolder snapshots) {
        this.snapshots = snapshots;
    }

    @ReadOperation
    public Map<String, Object> clusters() {
        Snapshot snapshot = snapshots.current();
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("version", snapshot == null ? 0 : snapshot.version());
        List<Map<String, Object>> clusters = new ArrayList<>();
        if (snapshot != null) {
            snapshot.clusters().values().stream()
                    .sorted((a, b) -> a.name().compareTo(b.name()))
                    .forEach(cluster -> clusters.add(cluster(cluster, snapshot.clusterSettings().get(cluster.name()))));
        }
        view.put("clusters", clusters);
        return view;
    }

    private static Map<String, Object> cluster(Cluster cluster, Object settings) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("name", cluster.name());
        if (settings != null) {
            view.put("configured", ConfigView.of(settings));
        } else {
            // Discovered: no settings of its own; an ExternalName Service's DNS name is its endpoint.
            view.put("discovered", Map.of("endpoints", cluster.spec().endpoints().stream().map(Object::toString).toList()));
        }
        List<Map<String, Object>> endpoints = new ArrayList<>();
        for (Endpoint endpoint : cluster.endpoints()) {
            EndpointConnections.Counts pool = cluster.poolUse(endpoint);
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("address", endpoint.label());
            if (endpoint.info() != null) {
                // Discovered: the pod behind it, its zone and whether it is ready or only still serving.
                entry.put("pod", endpoint.info().pod());
                entry.put("zone", endpoint.info().zone());
                entry.put("state", endpoint.info().state().name());
                entry.put("local", endpoint.info().local());
            }
            entry.put("health", endpoint.ejected() ? "EJECTED" : "HEALTHY");
            entry.put("ejected", endpoint.ejected());
            if (endpoint.ejected()) {
                entry.put("ejectedUntil", java.time.Instant.ofEpochMilli(endpoint.ejectedUntil()).toString());
            }
            entry.put("ejections", endpoint.ejections());
            entry.put("activeRequests", endpoint.activeRequests());
            entry.put("connections", Map.of("active", pool.active(), "idle", pool.idle(), "pending", pool.pending()));
            // How it is reached: the cluster's tls, or mutual TLS to the sidecar discovery found in its pod.
            entry.put("tls", endpoint.peers().mutual() ? "mutual" : "none");
            if (endpoint.peers().mutual() && !endpoint.peers().principals().isEmpty()) {
                entry.put("peerPrincipals", endpoint.peers().principals());
            }
            endpoints.add(entry);
        }
        view.put("endpoints", endpoints);
        return view;
    }
}
