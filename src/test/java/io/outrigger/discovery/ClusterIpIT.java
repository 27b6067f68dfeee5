package io.outrigger.discovery;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.outrigger.interception.OriginalDestination;
import io.outrigger.testing.MockApi;
import io.outrigger.testing.ProxyClient;
import io.outrigger.testing.Sidecar;
import io.outrigger.testing.TestTcpServer;
import io.outrigger.testing.TestUpstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static io.outrigger.discovery.Slices.endpoint;
import static io.outrigger.discovery.Slices.service;
import static io.outrigger.discovery.Slices.slice;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A connection the application made to a Service's ClusterIP (198.18.5.x here: an address no host
 * owns, and never dialled, as a test double reports it as the original destination) goes to the
 * Service's endpoints, HTTP and TCP alike, with no route configured.
 */
class ClusterIpIT {

    static final String NAMESPACE = "shop";
    static volatile InetSocketAddress target;

    @Configuration(proxyBeanMethods = false)
    static class Redirected {
        @Bean
        OriginalDestination originalDestination() {
            return channel -> target;
        }
    }

    static MockApi api;
    static KubernetesClient kube;

    TestUpstream web = TestUpstream.start("web");
    TestTcpServer echo = TestTcpServer.start(TestTcpServer.Mode.ECHO);

    @BeforeAll
    static void startApi() {
        api = MockApi.start();
        kube = api.client();
        kube.services().inNamespace(NAMESPACE).resource(service(NAMESPACE, "reviews", "198.18.5.5", "http", 9080)).create();
        kube.services().inNamespace(NAMESPACE).resource(service(NAMESPACE, "db", "198.18.5.7", "tcp-db", 5432)).create();
    }

    @AfterAll
    static void stopApi() {
        api.close();
    }

    @AfterEach
    void stop() {
        web.close();
        echo.close();
        kube.discovery().v1().endpointSlices().inNamespace(NAMESPACE).delete();
    }

    Sidecar sidecar() {
        kube.discovery().v1().endpointSlices().inNamespace(NAMESPACE).resource(slice(NAMESPACE, "reviews-a", "reviews", "http",
                web.port(), endpoint("127.0.0.1", "reviews-1", true, null, null))).createOr(NonDeletingOperation::update);
        kube.discovery().v1().endpointSlices().inNamespace(NAMESPACE).resource(slice(NAMESPACE, "db-a", "db", "tcp-db",
                echo.port(), endpoint("127.0.0.1", "db-1", true, null, null))).createOr(NonDeletingOperation::update);
        return Sidecar.start("outrigger: { access-log: { enabled: false }, outbound: { mode: registry-only } }",
                api.discovery(NAMESPACE, "--spring.main.sources=" + Redirected.class.getName(),
                        "--spring.main.allow-bean-definition-overriding=true"));
    }

    @Test
    void httpToAClusterIpGoesToTheServicesEndpointsWhateverTheHost() throws Exception {
        try (Sidecar sidecar = sidecar(); ProxyClient client = new ProxyClient(sidecar.outboundPort())) {
            target = new InetSocketAddress("198.18.5.5", 9080);
            await().atMost(Duration.ofSeconds(10)).until(() -> client.get("10.0.0.1", "/").status() == 200);
            assertThat(client.get("any-name-at-all", "/").body()).isEqualTo("web");
        }
        try (Sidecar sidecar = sidecar(); ProxyClient client = new ProxyClient(sidecar.outboundPort())) {
            // A new connection (the original destination is looked up once per connection).
            target = new InetSocketAddress("198.18.5.5", 9999);   // a port the Service does not have
            assertThat(client.get("any-name-at-all", "/").status()).as("registry-only: nothing there").isEqualTo(502);
        }
    }

    @Test
    void aTcpPortIsRelayedAsBytesEvenWhenTheyLookLikeHttp() throws Exception {
        try (Sidecar sidecar = sidecar()) {
            target = new InetSocketAddress("198.18.5.7", 5432);   // port "tcp-db": declared TCP, never sniffed
            byte[] request = "GET / HTTP/1.1\r\nHost: db\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                try (Socket socket = new Socket("127.0.0.1", sidecar.outboundPort())) {
                    socket.setSoTimeout(5_000);
                    socket.getOutputStream().write(request);
                    assertThat(socket.getInputStream().readNBytes(request.length)).as("echoed, not answered as HTTP").isEqualTo(request);
                }
            });
        }
    }

    @Test
    void tcpToAClusterIpIsRelayedToTheServicesEndpoints() throws Exception {
        try (Sidecar sidecar = sidecar()) {
            target = new InetSocketAddress("198.18.5.7", 5432);
            byte[] message = {0, 1, 2, 3, 'p', 'g', (byte) 0xff};
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                try (Socket socket = new Socket("127.0.0.1", sidecar.outboundPort())) {
                    socket.setSoTimeout(5_000);
                    socket.getOutputStream().write(message);
                    assertThat(socket.getInputStream().readNBytes(message.length)).isEqualTo(message);
                }
            });
            assertThat(echo.connections()).isPositive();
        }
    }
}
