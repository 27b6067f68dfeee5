package io.outrigger.cluster;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

import io.outrigger.testing.ProxyClient;
import io.outrigger.testing.Sidecar;
import io.outrigger.testing.TestUpstream;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A cluster endpoint's DNS name stops resolving, with a real upstream behind it: after the name
 * has failed a few refreshes in a row its addresses are dropped and requests get 503 UH with a
 * clear message; when the name resolves again, requests are served again. The zone is a test
 * double, so no DNS server is involved.
 */
class DnsFailureIT {

    static final Map<String, InetAddress> zone = new ConcurrentHashMap<>();

    @Configuration(proxyBeanMethods = false)
    static class TestZone {
        @Bean
        AddressResolver addressResolver() {
            return host -> {
                InetAddress address = zone.get(host);
                if (address == null) {
                    throw new UnknownHostException(host + ": NXDOMAIN");
                }
                return new InetAddress[] {address};
            };
        }
    }

    @Test
    void aNameThatStopsResolvingGives503UhThenServesAgainWhenItIsBack() throws Exception {
        zone.put("catalog.shop.svc", InetAddress.getLoopbackAddress());
        try (TestUpstream catalog = TestUpstream.start("catalog");
                Sidecar sidecar = Sidecar.start("""
                        outrigger:
                          routes: [ { name: catalog, hosts: [ catalog ], route: [ { cluster: catalog } ], retries: { attempts: 0 } } ]
                          clusters:
                            catalog: { endpoints: [ "catalog.shop.svc:%d" ], dns-refresh: 100ms }
                        """.formatted(catalog.port()),
                        "--spring.main.sources=" + TestZone.class.getName(), "--spring.main.allow-bean-definition-overriding=true");
                ProxyClient client = new ProxyClient(sidecar.outboundPort())) {
            assertThat(client.get("catalog", "/").body()).isEqualTo("catalog");

            zone.remove("catalog.shop.svc");
            AtomicReference<ProxyClient.Response> response = new AtomicReference<>();
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
                response.set(client.get("catalog", "/"));
                assertThat(response.get().status()).isEqualTo(503);
            });
            assertThat(response.get().body()).startsWith("no healthy upstream");

            zone.put("catalog.shop.svc", InetAddress.getLoopbackAddress());
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).untilAsserted(() ->
                    assertThat(client.get("catalog", "/").body()).as("served again once the name resolves").isEqualTo("catalog"));
        }
    }
}
