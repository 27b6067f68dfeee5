package io.outrigger.injection;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HTTPHeader;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * The application's HTTP probes rewritten through the sidecar's management port, as Istio
 * rewrites them: {@code GET :15020/app-health/CONTAINER/livez} (or {@code readyz},
 * {@code startupz}), the originals handed to the sidecar in {@code OUTRIGGER_APP_PROBES}. A
 * STRICT inbound port refuses the kubelet's plain-text probes; the management port is not captured.
 * HTTPS probes, probes with a {@code host}, and TCP, gRPC and exec probes are left as they are.
 */
final class AppProbes {

    static final String ENV = "OUTRIGGER_APP_PROBES";
    private static final KubernetesSerialization JSON = new KubernetesSerialization();

    private final List<Container> containers = new ArrayList<>();
    private final Map<String, Map<String, Map<String, Object>>> originals = new LinkedHashMap<>();

    private AppProbes() {
    }

    /** The pod's containers with their HTTP probes rewritten; a named port that no container port has is refused. */
    static AppProbes rewrite(List<Container> containers) throws InjectionException {
        AppProbes probes = new AppProbes();
        for (Container container : containers) {
            ContainerBuilder rewritten = new ContainerBuilder(container);
            rewritten.withLivenessProbe(probes.rewrite(container, container.getLivenessProbe(), "livez"));
            rewritten.withReadinessProbe(probes.rewrite(container, container.getReadinessProbe(), "readyz"));
            rewritten.withStartupProbe(probes.rewrite(container, container.getStartupProbe(), "startupz"));
            probes.containers.add(rewritten.build());
        }
        return probes;
    }

    List<Container> containers() {
        return containers;
    }

    /** The originals as the sidecar reads them, by container and kind; null when no probe was rewritten. */
    String json() {
        return originals.isEmpty() ? null : JSON.asJson(originals);
    }

    private Probe rewrite(Container container, Probe probe, String kind) throws InjectionException {
        if (probe == null || probe.getHttpGet() == null) {
            return probe;
        }
        HTTPGetAction get = probe.getHttpGet();
        if (get.getScheme() != null && !"HTTP".equalsIgnoreCase(get.getScheme()) || get.getHost() != null && !get.getHost().isEmpty()) {
            return probe;   // HTTPS, or a probe of another host: the sidecar asks only its own pod, in plain HTTP
        }
        Map<String, Object> original = new LinkedHashMap<>();
        original.put("port", port(container, get.getPort(), kind));
        original.put("path", get.getPath() == null ? "/" : get.getPath());
        Map<String, String> headers = new LinkedHashMap<>();
        for (HTTPHeader header : get.getHttpHeaders() == null ? List.<HTTPHeader>of() : get.getHttpHeaders()) {
            headers.put(header.getName(), header.getValue());
        }
        original.put("headers", headers);
        original.put("timeoutSeconds", probe.getTimeoutSeconds() == null ? 1 : probe.getTimeoutSeconds());
        originals.computeIfAbsent(container.getName(), name -> new LinkedHashMap<>()).put(kind, original);
        return new ProbeBuilder(probe).withNewHttpGet().withPath("/app-health/" + container.getName() + "/" + kind)
                .withNewPort(15020).endHttpGet().build();
    }

    private static int port(Container container, IntOrString port, String kind) throws InjectionException {
        if (port != null && port.getIntVal() != null) {
            return port.getIntVal();
        }
        String name = port == null ? null : port.getStrVal();
        for (ContainerPort declared : container.getPorts()) {
            if (declared.getName() != null && declared.getName().equals(name)) {
                return declared.getContainerPort();
            }
        }
        throw new InjectionException("container " + container.getName() + ": the " + kind + " probe's port '" + name
                + "' is not one of its ports");
    }
}
