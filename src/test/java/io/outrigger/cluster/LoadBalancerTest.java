package io.outrigger.cluster;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import java.time.Duration;

import io.outrigger.netty.EventLoops;
import io.outrigger.upstream.ConnectionSecurity;
import io.outrigger.upstream.PoolLimits;
import io.outrigger.upstream.UpstreamClient;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LoadBalancerTest {

    static final UpstreamClient CLIENT = new UpstreamClient(new EventLoops(1),
            new PoolLimits(1, 0, Duration.ofSeconds(60), 0, Duration.ZERO, Duration.ofSeconds(1)), ConnectionSecurity.NONE);
    static final List<Endpoint> ENDPOINTS = IntStream.range(1, 5)
            .mapToObj(i -> new InetSocketAddress("198.18.0." + i, 80))
            .map(address -> new Endpoint(address, CLIENT.connectionsTo(address)))
            .toList();

    @Test
    void roundRobinVisitsEachEndpointInTurn() {
        LoadBalancer balancer = LoadBalancerKind.ROUND_ROBIN.create();
        assertThat(IntStream.range(0, 8).mapToObj(i -> balancer.pick(ENDPOINTS).label()).toList())
                .containsExactly("198.18.0.1:80", "198.18.0.2:80", "198.18.0.3:80", "198.18.0.4:80",
                        "198.18.0.1:80", "198.18.0.2:80", "198.18.0.3:80", "198.18.0.4:80");
    }

    @Test
    void randomSpreadsOverAllEndpoints() {
        LoadBalancer balancer = LoadBalancerKind.RANDOM.create();
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 4000; i++) {
            counts.merge(balancer.pick(ENDPOINTS).label(), 1, Integer::sum);
        }
        assertThat(counts).hasSize(4).allSatisfy((label, n) -> assertThat(n).isBetween(800, 1200));
    }

    @Test
    void leastRequestAvoidsTheBusiestEndpoint() {
        Endpoint busy = ENDPOINTS.get(0);
        for (int i = 0; i < 10; i++) {
            busy.requestStarted();
        }
        try {
            LoadBalancer balancer = LoadBalancerKind.LEAST_REQUEST.create();
            for (int i = 0; i < 1000; i++) {
                assertThat(balancer.pick(ENDPOINTS)).isNotSameAs(busy);
            }
        } finally {
            for (int i = 0; i < 10; i++) {
                busy.requestFinished();
            }
        }
    }

    @Test
    void leastRequestWithOneEndpointPicksIt() {
        assertThat(LoadBalancerKind.LEAST_REQUEST.create().pick(ENDPOINTS.subList(0, 1))).isSameAs(ENDPOINTS.get(0));
    }
}
