package io.outrigger.discovery;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointConditions;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointHints;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.ForZone;
import io.netty.util.NetUtil;
import io.outrigger.cluster.EndpointInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The endpoints of one Service port that take traffic, from the Service's EndpointSlices: ready
 * ones; serving and terminating ones only while no ready one is left (kube-proxy's rule, so a
 * rolling update's last pods still serve). Absent conditions mean what the API says: {@code ready}
 * and {@code serving} true, {@code terminating} false. Each is marked local or not ({@link Locality})
 * and carries the identity of the sidecar in its pod, if it has one.
 */
final class SliceEndpoints {

    private static final Logger log = LoggerFactory.getLogger(SliceEndpoints.class);

    private SliceEndpoints() {
    }

    /**
     * @param preferClose whether the Service's {@code trafficDistribution} asks for same-zone endpoints
     * @param identityOf  the SPIFFE ID of the sidecar in a pod, by pod name; null for a pod without one
     */
    static List<EndpointInfo> of(Collection<EndpointSlice> slices, String portName, boolean preferClose, Locality locality,
            Function<String, String> identityOf) {
        List<Candidate> ready = new ArrayList<>();
        List<Candidate> terminating = new ArrayList<>();
        int inZone = 0;
        for (EndpointSlice slice : slices) {
            Integer port = portNumber(slice, portName);
            if (port == null || slice.getEndpoints() == null) {
                continue;
            }
            for (Endpoint endpoint : slice.getEndpoints()) {
                EndpointConditions conditions = endpoint.getConditions();
                boolean isReady = conditions == null || !Boolean.FALSE.equals(conditions.getReady());
                boolean serving = conditions == null || !Boolean.FALSE.equals(conditions.getServing());
                boolean isTerminating = conditions != null && Boolean.TRUE.equals(conditions.getTerminating());
                if (locality.zone() != null && locality.zone().equals(endpoint.getZone()) && !isTerminating) {
                    inZone++;   // the zone's size, ready or not: its share of ready ones decides failover
                }
                if (!isReady && !(serving && isTerminating)) {
                    continue;   // not ready: no traffic
                }
                for (String address : endpoint.getAddresses() == null ? List.<String>of() : endpoint.getAddresses()) {
                    InetAddress ip = ip(address, slice);
                    if (ip != null) {
                        (isReady ? ready : terminating).add(new Candidate(new InetSocketAddress(ip, port), endpoint, isReady));
                    }
                }
            }
        }
        List<Candidate> chosen = ready.isEmpty() ? terminating : ready;
        chosen.sort(Comparator.comparing(candidate -> candidate.address().toString()));
        boolean[] local = local(chosen, preferClose, locality, inZone);
        List<EndpointInfo> infos = new ArrayList<>(chosen.size());
        for (int i = 0; i < chosen.size(); i++) {
            Candidate candidate = chosen.get(i);
            String pod = podOf(candidate.endpoint());
            infos.add(new EndpointInfo(candidate.address(), pod, candidate.endpoint().getZone(),
                    candidate.ready() ? EndpointInfo.State.READY : EndpointInfo.State.TERMINATING,
                    pod == null ? null : identityOf.apply(pod), local[i]));
        }
        return List.copyOf(infos);
    }

    /** The pod behind an endpoint (its {@code targetRef}), or null. */
    private static String podOf(Endpoint endpoint) {
        var target = endpoint.getTargetRef();
        return target == null || target.getKind() != null && !"Pod".equals(target.getKind()) ? null : target.getName();
    }

    private record Candidate(InetSocketAddress address, Endpoint endpoint, boolean ready) {
    }

    /**
     * Which of {@code chosen} are local. Topology hints decide when every endpoint has them (as
     * kube-proxy and Linkerd use them; ignored when any lacks them); else, with same-zone
     * preference, the zone does, unless too few of the zone's endpoints are ready. None is local
     * when the rule leaves none, so all serve.
     */
    private static boolean[] local(List<Candidate> chosen, boolean preferClose, Locality locality, int inZone) {
        boolean[] local = new boolean[chosen.size()];
        String zone = locality.zone();
        if (zone == null || chosen.isEmpty()) {
            return local;
        }
        boolean hinted = chosen.stream().allMatch(candidate -> !hintedZones(candidate.endpoint()).isEmpty());
        int count = 0;
        for (int i = 0; i < local.length; i++) {
            Endpoint endpoint = chosen.get(i).endpoint();
            local[i] = hinted ? hintedZones(endpoint).contains(zone)
                    : (locality.preferSameZone() || preferClose) && zone.equals(endpoint.getZone());
            count += local[i] ? 1 : 0;
        }
        boolean tooFewReady = !hinted && count * 100 < inZone * locality.failoverPercent();
        return count == 0 || tooFewReady ? new boolean[chosen.size()] : local;
    }

    private static List<String> hintedZones(Endpoint endpoint) {
        EndpointHints hints = endpoint.getHints();
        if (hints == null || hints.getForZones() == null) {
            return List.of();
        }
        return hints.getForZones().stream().map(ForZone::getName).filter(name -> name != null && !name.isEmpty()).toList();
    }

    private static Integer portNumber(EndpointSlice slice, String portName) {
        if (slice.getPorts() == null) {
            return null;
        }
        for (EndpointPort port : slice.getPorts()) {
            String name = port.getName() == null ? "" : port.getName();
            if (name.equals(portName) && port.getPort() != null) {
                return port.getPort();
            }
        }
        return null;
    }

    /** An IP literal, parsed without a DNS lookup; null, with a warning naming the slice, for anything else. */
    private static InetAddress ip(String address, EndpointSlice slice) {
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(address);
        if (bytes != null) {
            try {
                return InetAddress.getByAddress(bytes);
            } catch (UnknownHostException impossible) {
                // a literal of the right length
            }
        }
        log.warn("EndpointSlice {}/{}: endpoint address '{}' is not an IP address, skipped",
                slice.getMetadata().getNamespace(), slice.getMetadata().getName(), address);
        return null;
    }
}
