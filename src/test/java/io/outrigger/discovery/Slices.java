package io.outrigger.discovery;

import java.util.List;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;

/** Services and EndpointSlices as the API server serves them, for tests. */
public final class Slices {

    private Slices() {
    }

    /** A ClusterIP Service with one port {@code portName} ("" for unnamed) at {@code port}. */
    public static Service service(String namespace, String name, String portName, int port) {
        return service(namespace, name, "10.96.0.10", portName, port);
    }

    public static Service service(String namespace, String name, String clusterIp, String portName, int port) {
        return new ServiceBuilder().withNewMetadata().withNamespace(namespace).withName(name).endMetadata()
                .withNewSpec().withType("ClusterIP").withClusterIP(clusterIp)
                .withPorts(new ServicePortBuilder().withName(portName.isEmpty() ? null : portName).withPort(port)
                        .withTargetPort(new IntOrString(port)).withProtocol("TCP").build())
                .endSpec().build();
    }

    /** An endpoint of pod {@code pod} at {@code ip}; null conditions are left absent. */
    public static Endpoint endpoint(String ip, String pod, Boolean ready, Boolean serving, Boolean terminating) {
        EndpointBuilder builder = new EndpointBuilder().withAddresses(ip).withZone("zone-a")
                .withNewTargetRef().withKind("Pod").withName(pod).endTargetRef();
        if (ready != null || serving != null || terminating != null) {
            builder.withNewConditions().withReady(ready).withServing(serving).withTerminating(terminating).endConditions();
        }
        return builder.build();
    }

    /** A slice of Service {@code service} whose port {@code portName} is {@code port} on every endpoint. */
    public static EndpointSlice slice(String namespace, String name, String service, String portName, int port, Endpoint... endpoints) {
        return new EndpointSliceBuilder().withNewMetadata().withNamespace(namespace).withName(name)
                .addToLabels(ServiceCatalog.SERVICE_NAME_LABEL, service).endMetadata()
                .withAddressType("IPv4")
                .addNewPort().withName(portName.isEmpty() ? null : portName).withPort(port).withProtocol("TCP").endPort()
                .withEndpoints(List.of(endpoints)).build();
    }
}
