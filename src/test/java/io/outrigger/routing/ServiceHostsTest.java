package io.outrigger.routing;

import java.net.InetSocketAddress;
import java.util.List;

import io.outrigger.cluster.DiscoveredService;
import io.outrigger.cluster.EndpointInfo;
import io.outrigger.protocol.Protocol;
import io.outrigger.snapshot.Snapshot;
import io.outrigger.snapshot.TestSnapshots;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Which host names reach a discovered Service, and on which of its ports. */
class ServiceHostsTest {

    static TestSnapshots snapshots;
    static ServiceHosts hosts;

    @BeforeAll
    static void compile() {
        // The headless Service db has one pod, fed as discovery would feed it.
        snapshots = new TestSnapshots((source, endpoints) -> {
            if (source.equals("data/db:tcp-pg")) {
                InetSocketAddress pod = new InetSocketAddress("198.18.0.7", 5432);
                endpoints.accept(List.of(new EndpointInfo(pod, "db-0", null, EndpointInfo.State.READY)));
            }
            return () -> {
            };
        });
        DiscoveredService db = new DiscoveredService("data", "db", null, List.of(new DiscoveredService.Port("tcp-pg", 5432, null)));
        DiscoveredService reviews = new DiscoveredService("shop", "reviews", "10.96.0.10",
                List.of(new DiscoveredService.Port("http", 9080, null), new DiscoveredService.Port("grpc", 9090, "grpc")));
        DiscoveredService ratings = new DiscoveredService("rating", "ratings", "10.96.0.11",
                List.of(new DiscoveredService.Port("", 8080, null)));
        Snapshot snapshot = snapshots.withServices(List.of(reviews, ratings, db)).of("outrigger.identity.namespace", "shop");
        hosts = snapshot.services();
    }

    @AfterAll
    static void close() {
        snapshots.close();
    }

    static String cluster(String authority, int destinationPort) {
        Route route = hosts.find(authority, destinationPort);
        return route == null ? null : route.destinations().choose().name();
    }

    @Test
    void everyDnsFormOfTheNameWithItsPortReachesThatPortsCluster() {
        for (String host : List.of("reviews:9080", "reviews.shop:9080", "reviews.shop.svc:9080", "Reviews.Shop.svc.cluster.local:9080")) {
            assertThat(cluster(host, -1)).as(host).isEqualTo("outbound|9080||reviews.shop.svc.cluster.local");
        }
        assertThat(cluster("reviews.shop:9090", -1)).isEqualTo("outbound|9090||reviews.shop.svc.cluster.local");
    }

    @Test
    void withoutAPortInTheHostTheOriginalDestinationsPortDecides() {
        assertThat(cluster("reviews.shop", 9090)).isEqualTo("outbound|9090||reviews.shop.svc.cluster.local");
        assertThat(cluster("reviews.shop", -1)).as("port 80: the Service has none").isNull();
        assertThat(cluster("ratings.rating", -1)).as("a single-port Service needs no port")
                .isEqualTo("outbound|8080||ratings.rating.svc.cluster.local");
    }

    @Test
    void aServicesClusterIpAndPortLeadToThatPortsCluster() {
        Route route = hosts.at(new InetSocketAddress("10.96.0.10", 9090));
        assertThat(route.destinations().choose().name()).isEqualTo("outbound|9090||reviews.shop.svc.cluster.local");
        assertThat(hosts.at(new InetSocketAddress("10.96.0.10", 7000))).isNull();
        assertThat(hosts.at(new InetSocketAddress("10.96.0.99", 9090))).isNull();
        assertThat(hosts.at(null)).isNull();
    }

    @Test
    void aServicePortDeclaresItsProtocolByAppProtocolOrNamePrefix() {
        assertThat(hosts.protocolAt(new InetSocketAddress("10.96.0.10", 9090))).as("appProtocol grpc").isEqualTo(Protocol.HTTP2);
        assertThat(hosts.protocolAt(new InetSocketAddress("10.96.0.10", 9080))).as("named http").isEqualTo(Protocol.HTTP);
        assertThat(hosts.protocolAt(new InetSocketAddress("10.96.0.11", 8080))).as("unnamed, no appProtocol").isEqualTo(Protocol.AUTO);
        assertThat(hosts.protocolAt(new InetSocketAddress("10.96.0.99", 8080))).isEqualTo(Protocol.AUTO);
        assertThat(Protocol.ofServicePort("kubernetes.io/h2c", "web")).isEqualTo(Protocol.HTTP2);
        assertThat(Protocol.ofServicePort(null, "tcp-postgres")).isEqualTo(Protocol.TCP);
        assertThat(Protocol.ofServicePort("tcp", "http-but-tcp")).as("appProtocol first").isEqualTo(Protocol.TCP);
        assertThat(Protocol.ofServicePort(null, "metrics")).isEqualTo(Protocol.AUTO);
    }

    @Test
    void theShortNameIsOnlyTheOwnNamespaces() {
        assertThat(cluster("ratings:8080", -1)).isNull();
        assertThat(cluster("reviews.elsewhere:9080", -1)).isNull();
        assertThat(cluster("reviews:7000", -1)).as("a port the Service does not have").isNull();
    }

    @Test
    void aConnectionToAHeadlessServicesPodStaysWithThatPodAsTheServices() {
        InetSocketAddress pod = new InetSocketAddress("198.18.0.7", 5432);
        Route route = hosts.at(pod);
        assertThat(route.destinations().choose().name()).isEqualTo("outbound|5432||db.data.svc.cluster.local");
        assertThat(hosts.headless(route)).isTrue();
        assertThat(hosts.pinned(route, pod).address()).isEqualTo(pod);
        assertThat(hosts.protocolAt(pod)).as("named tcp-").isEqualTo(Protocol.TCP);
        assertThat(hosts.at(new InetSocketAddress("198.18.0.8", 5432))).as("not one of its pods").isNull();
        Route byName = hosts.find("db.data", 5432);
        assertThat(hosts.pinned(byName, pod)).as("by name, to the pod the client looked up").isNotNull();
        assertThat(hosts.pinned(byName, new InetSocketAddress("198.18.0.8", 5432))).as("not one of its pods: balanced").isNull();
        Route clusterIp = hosts.at(new InetSocketAddress("10.96.0.10", 9080));
        assertThat(hosts.headless(clusterIp)).isFalse();
        assertThat(hosts.pinned(clusterIp, new InetSocketAddress("10.96.0.10", 9080))).as("a ClusterIP Service balances").isNull();
    }
}
