package io.outrigger.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.outrigger.cluster.Cluster;
import io.outrigger.pipeline.retry.RetryPolicy;
import io.outrigger.protocol.PortProtocols;
import io.outrigger.routing.Route;
import io.outrigger.routing.RouteTable;
import io.outrigger.routing.TcpRouteTable;
import io.outrigger.tls.Principals;

/** Turns a validated config into the runtime form: route tables, compiled policies, clusters. */
final class SnapshotCompiler {

    private SnapshotCompiler() {
    }

    /** The cluster configs a snapshot needs: the user's plus the inbound one to the application. */
    static Map<String, OutriggerProperties.Cluster> clusterConfigs(OutriggerProperties config) {
        Map<String, OutriggerProperties.Cluster> all = new LinkedHashMap<>(config.clusters());
        OutriggerProperties.Inbound inbound = config.inbound();
        all.put(inboundClusterName(inbound), new OutriggerProperties.Cluster(
                List.of(inbound.appAddress() + ":" + inbound.appPort()), "none", List.of(), "round-robin", Duration.ofSeconds(1),
                Duration.ofSeconds(5), new OutriggerProperties.ConnectionPool(1024, 1024, Duration.ofSeconds(60), 0, Duration.ZERO), null));
        all.put(PASSTHROUGH, new OutriggerProperties.Cluster(List.of(), "none", List.of(), "round-robin", Duration.ofSeconds(1),
                Duration.ofSeconds(5), new OutriggerProperties.ConnectionPool(1024, 1024, Duration.ofSeconds(60), 0, Duration.ZERO), null));
        return all;
    }

    static Snapshot compile(long version, String hash, OutriggerProperties config, Map<String, Cluster> clusters) {
        Cluster app = clusters.get(inboundClusterName(config.inbound()));
        Route inbound = Route.direct("inbound|" + config.inbound().appPort(), app, RetryPolicy.DEFAULT);
        Route passthrough = Route.direct(PASSTHROUGH, clusters.get(PASSTHROUGH), RetryPolicy.DEFAULT);
        InetAddress appAddress;
        try {
            appAddress = InetAddress.getByName(config.inbound().appAddress());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("outrigger.inbound.app-address: '" + config.inbound().appAddress()
                    + "' does not resolve", e);
        }
        return new Snapshot(version, hash, config, RouteTable.compile(config.routes(), clusters), inbound, passthrough,
                appAddress, Map.copyOf(clusters), TcpRouteTable.compile(config.tcpRoutes(), clusters),
                protocols(config.inbound().ports()), protocols(config.outbound().ports()),
                Principals.of(config.inbound().authorization().allowPrincipals()));
    }

    private static PortProtocols protocols(Map<String, OutriggerProperties.Port> ports) {
        Map<String, String> byPort = new LinkedHashMap<>();
        ports.forEach((port, settings) -> byPort.put(port, settings.protocol()));
        return PortProtocols.compile(byPort);
    }

    /** Istio's name for the cluster of redirected requests that go to their original destination. */
    static final String PASSTHROUGH = "PassthroughCluster";

    /** Istio's name for the inbound cluster of an application port. */
    static String inboundClusterName(OutriggerProperties.Inbound inbound) {
        return "inbound|" + inbound.appPort() + "||";
    }

    static String hash(OutriggerProperties config) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(config.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
