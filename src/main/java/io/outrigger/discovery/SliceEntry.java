package io.outrigger.discovery;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointConditions;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.ForZone;
import io.netty.util.NetUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An EndpointSlice as the catalog keeps it: only what endpoint lists are made of, parsed once. A
 * fabric8 model object carries a map of unknown properties on every nested object; at thousands
 * of endpoints that is most of discovery's heap, so the objects themselves are not kept.
 *
 * @param service the Service it belongs to (its {@code kubernetes.io/service-name} label), or null
 * @param ports   port numbers by port name ("" for an unnamed port)
 */
record SliceEntry(String namespace, String name, String service, Map<String, Integer> ports, List<Member> members) {

    private static final Logger log = LoggerFactory.getLogger(SliceEntry.class);
    static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

    /**
     * One endpoint: its addresses, its pod (null when its target is not a pod), its zone, its
     * conditions as the API means them when absent, and the zones its topology hints give it.
     */
    record Member(List<InetAddress> addresses, String pod, String zone, boolean ready, boolean serving, boolean terminating,
            List<String> hintedZones) {
    }

    static SliceEntry of(EndpointSlice slice) {
        String namespace = slice.getMetadata().getNamespace();
        String name = slice.getMetadata().getName();
        Map<String, String> labels = slice.getMetadata().getLabels();
        Map<String, Integer> ports = new HashMap<>();
        for (EndpointPort port : slice.getPorts() == null ? List.<EndpointPort>of() : slice.getPorts()) {
            if (port.getPort() != null) {
                ports.put(port.getName() == null ? "" : port.getName(), port.getPort());
            }
        }
        List<Member> members = new ArrayList<>();
        for (Endpoint endpoint : slice.getEndpoints() == null ? List.<Endpoint>of() : slice.getEndpoints()) {
            List<InetAddress> addresses = new ArrayList<>();
            for (String address : endpoint.getAddresses() == null ? List.<String>of() : endpoint.getAddresses()) {
                InetAddress ip = ip(address);
                if (ip == null) {
                    log.warn("EndpointSlice {}/{}: endpoint address '{}' is not an IP address, skipped", namespace, name, address);
                } else {
                    addresses.add(ip);
                }
            }
            EndpointConditions conditions = endpoint.getConditions();
            members.add(new Member(List.copyOf(addresses), pod(endpoint.getTargetRef()), intern(endpoint.getZone()),
                    conditions == null || !Boolean.FALSE.equals(conditions.getReady()),
                    conditions == null || !Boolean.FALSE.equals(conditions.getServing()),
                    conditions != null && Boolean.TRUE.equals(conditions.getTerminating()),
                    hintedZones(endpoint)));
        }
        return new SliceEntry(namespace, name, labels == null ? null : labels.get(SERVICE_NAME_LABEL), Map.copyOf(ports),
                List.copyOf(members));
    }

    /** The pod behind an endpoint (its {@code targetRef}), or null. */
    private static String pod(ObjectReference target) {
        return target == null || target.getKind() != null && !"Pod".equals(target.getKind()) ? null : target.getName();
    }

    private static List<String> hintedZones(Endpoint endpoint) {
        if (endpoint.getHints() == null || endpoint.getHints().getForZones() == null) {
            return List.of();
        }
        return endpoint.getHints().getForZones().stream().map(ForZone::getName)
                .filter(zone -> zone != null && !zone.isEmpty()).map(SliceEntry::intern).toList();
    }

    /** Zones are few and repeated on every endpoint: one copy of each. */
    private static String intern(String zone) {
        return zone == null ? null : zone.intern();
    }

    /** An IP literal, parsed without a DNS lookup; null for anything else. */
    private static InetAddress ip(String address) {
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(address);
        try {
            return bytes == null ? null : InetAddress.getByAddress(bytes);
        } catch (UnknownHostException impossible) {
            return null;   // a literal of the right length
        }
    }
}
