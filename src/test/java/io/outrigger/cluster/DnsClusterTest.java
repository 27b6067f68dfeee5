package io.outrigger.cluster;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.outrigger.common.Problems;
import io.outrigger.config.OutriggerProperties;
import io.outrigger.netty.EventLoops;
import io.outrigger.tls.UpstreamTls;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A cluster of DNS names uses every address a name returns, and follows the name as it changes. */
class DnsClusterTest {

    final Map<String, InetAddress[]> zone = new ConcurrentHashMap<>();
    final EventLoops loops = new EventLoops(1);
    final ClusterManager manager = new ClusterManager(loops, host -> {
        InetAddress[] addresses = zone.get(host);
        if (addresses == null) {
            throw new UnknownHostException(host + ": NXDOMAIN");
        }
        return addresses;
    }, UpstreamTls.NONE);

    @AfterEach
    void close() {
        manager.close();
        loops.dispose();
    }

    static InetAddress ip(String text) throws UnknownHostException {
        return InetAddress.getByName(text);
    }

    static ClusterSpec cluster(String... endpoints) {
        return ClusterSpec.compile("test", new OutriggerProperties.Cluster(List.of(endpoints), "none", List.of(), "round-robin",
                Duration.ofSeconds(1), Duration.ofMillis(50),
                new OutriggerProperties.ConnectionPool(8, 8, Duration.ofSeconds(60), 0, Duration.ZERO), null, "auto", false),
                false, new Problems());
    }

    @Test
    void everyAddressOfANameIsAnEndpoint() throws Exception {
        zone.put("reviews.default.svc", new InetAddress[] {ip("198.18.0.1"), ip("198.18.0.2")});
        Cluster cluster = manager.prepare(Map.of("reviews", cluster("reviews.default.svc:9080", "198.18.0.9:9080")))
                .get("reviews");
        assertThat(cluster.endpoints()).extracting(Endpoint::label)
                .containsExactly("198.18.0.1:9080", "198.18.0.2:9080", "198.18.0.9:9080");
    }

    @Test
    void theNameIsResolvedAgainAndEndpointsFollowIt() throws Exception {
        zone.put("ratings", new InetAddress[] {ip("198.18.0.1")});
        Cluster cluster = manager.prepare(Map.of("ratings", cluster("ratings:80"))).get("ratings");
        Endpoint kept = cluster.endpoints().get(0);
        zone.put("ratings", new InetAddress[] {ip("198.18.0.1"), ip("198.18.0.3")});
        awaitEndpoints(cluster, 2);
        assertThat(cluster.endpoints()).extracting(Endpoint::label).containsExactly("198.18.0.1:80", "198.18.0.3:80");
        assertThat(cluster.endpoints().get(0)).as("an unchanged address keeps its endpoint").isSameAs(kept);
    }

    @Test
    void aNameThatStopsResolvingKeepsItsAddressesForAFewRefreshesThenHasNone() throws Exception {
        zone.put("flaky", new InetAddress[] {ip("198.18.0.4")});
        Cluster cluster = manager.prepare(Map.of("flaky", cluster("flaky:80"))).get("flaky");
        zone.remove("flaky");
        awaitEndpoints(cluster, 0);
        assertThat(cluster.pick()).isNull();
        zone.put("flaky", new InetAddress[] {ip("198.18.0.5")});
        awaitEndpoints(cluster, 1);
        assertThat(cluster.pick().label()).isEqualTo("198.18.0.5:80");
    }

    @Test
    void anUnchangedClusterIsHandedOverAcrossSnapshots() throws Exception {
        zone.put("a", new InetAddress[] {ip("198.18.0.1")});
        Map<String, Cluster> first = manager.prepare(Map.of("a", cluster("a:80"), "b", cluster("198.18.0.2:80")));
        manager.commit(first);
        Map<String, Cluster> second = manager.prepare(Map.of("a", cluster("a:80"), "b", cluster("198.18.0.2:81")));
        assertThat(second.get("a")).isSameAs(first.get("a"));
        assertThat(second.get("b")).isNotSameAs(first.get("b"));
    }

    private static void awaitEndpoints(Cluster cluster, int count) throws InterruptedException {
        for (int i = 0; i < 200 && cluster.endpoints().size() != count; i++) {
            Thread.sleep(10);
        }
        assertThat(cluster.endpoints()).hasSize(count);
    }
}
