package io.outrigger.interception;

import java.net.InetSocketAddress;

import io.outrigger.testing.ProxyClient;
import io.outrigger.testing.Sidecar;
import io.outrigger.testing.TestUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a redirected connection's original destination changes, with a test double in place of
 * netfilter: inbound goes to the application port the client meant; outbound, a request no route
 * claims goes to where the application sent it (allow-any) or gets 502 NR (registry-only).
 */
class OriginalDestinationIT {

    /** The test double: every connection "was going to" {@link #target}. */
    static volatile InetSocketAddress target;

    @Configuration(proxyBeanMethods = false)
    static class Redirected {
        @Bean
        OriginalDestination originalDestination() {
            return channel -> target;
        }
    }

    TestUpstream app;
    TestUpstream other;
    TestUpstream remote;

    @BeforeEach
    void start() {
        app = TestUpstream.start("app");
        other = TestUpstream.start("other-app-port");
        remote = TestUpstream.start("remote");
    }

    @AfterEach
    void stop() {
        app.close();
        other.close();
        remote.close();
    }

    Sidecar sidecar(String mode) {
        return Sidecar.start("""
                outrigger:
                  inbound: { app-port: %d }
                  outbound: { mode: %s }
                  routes:
                    - { name: named, hosts: [ named ], route: [ { cluster: app } ] }
                  clusters:
                    app: { endpoints: [ "%s" ] }
                """.formatted(app.port(), mode, app.endpoint()),
                "--spring.main.sources=" + Redirected.class.getName(),
                "--spring.main.allow-bean-definition-overriding=true");
    }

    @Test
    void inboundGoesToTheApplicationPortTheClientMeant() {
        try (Sidecar sidecar = sidecar("allow-any"); ProxyClient client = new ProxyClient(sidecar.inboundPort())) {
            target = new InetSocketAddress("198.18.0.10", other.port());
            assertThat(client.get("my-pod", "/").body()).isEqualTo("other-app-port");
        }
    }

    @Test
    void allowAnyPassesAnUnclaimedRequestThroughToItsOriginalDestination() {
        try (Sidecar sidecar = sidecar("allow-any"); ProxyClient client = new ProxyClient(sidecar.outboundPort())) {
            target = new InetSocketAddress("127.0.0.1", remote.port());
            ProxyClient.Response response = client.get("api.external.example", "/x");
            assertThat(response.body()).isEqualTo("remote");
            assertThat(remote.last().headers().get("host")).isEqualTo("api.external.example");
            // A request a route claims still follows the route.
            assertThat(client.get("named", "/").body()).isEqualTo("app");
        }
    }

    @Test
    void registryOnlyRefusesAnUnclaimedRequest() {
        try (Sidecar sidecar = sidecar("registry-only"); ProxyClient client = new ProxyClient(sidecar.outboundPort())) {
            target = new InetSocketAddress("127.0.0.1", remote.port());
            ProxyClient.Response response = client.get("api.external.example", "/x");
            assertThat(response.status()).isEqualTo(502);
            assertThat(response.body()).startsWith("no route matched");
            assertThat(remote.requests()).isZero();
        }
    }
}
