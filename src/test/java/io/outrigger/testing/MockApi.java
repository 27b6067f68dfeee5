package io.outrigger.testing;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;

/**
 * The fabric8 Kubernetes mock API server in CRUD mode, a client for the test to write objects
 * with, and the arguments that run a sidecar "in Kubernetes" against it.
 */
public final class MockApi implements AutoCloseable {

    private final KubernetesMockServer server;
    private final KubernetesClient client;

    private MockApi(InetAddress address) {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(List.of()), false);
        server.init(address, 0);
        client = server.createClient();
        // The client Spring Cloud Kubernetes builds must not find this machine's kubeconfig.
        System.setProperty("kubernetes.auth.tryKubeConfig", "false");
        System.setProperty("kubernetes.auth.tryServiceAccount", "false");
    }

    public static MockApi start() {
        return new MockApi(InetAddress.getLoopbackAddress());
    }

    /** A server listening on {@code address} only: a test host's, for sidecars in network namespaces. */
    public static MockApi startOn(String address) {
        try {
            return new MockApi(InetAddress.getByName(address));
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(address, e);
        }
    }

    public KubernetesClient client() {
        return client;
    }

    /** Stops the server, as an API server that goes away; {@link #close} is still needed. */
    public void stopServer() {
        server.destroy();
    }

    /**
     * A sidecar's arguments: in Kubernetes, against this server, in {@code namespace} (its own),
     * with service discovery on and the ConfigMap watch off; then {@code more}.
     */
    public String[] discovery(String namespace, String... more) {
        List<String> args = new ArrayList<>(List.of(
                "--spring.main.cloud-platform=KUBERNETES",
                "--spring.cloud.kubernetes.client.master-url=" + server.url("/"),
                "--spring.cloud.kubernetes.client.namespace=" + namespace,
                "--spring.cloud.kubernetes.client.trust-certs=true",
                "--spring.cloud.kubernetes.config.enabled=false",
                "--outrigger.identity.namespace=" + namespace,
                "--outrigger.discovery.enabled=true"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    @Override
    public void close() {
        client.close();
        server.destroy();
    }
}
