package io.outrigger.discovery;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

import io.outrigger.cluster.EndpointInfo;

/**
 * The endpoints of one Service port that take traffic, from the Service's EndpointSlices: ready
 * ones; serving and terminating ones only while no ready one is left (kube-proxy's rule, so a
 * rolling update's last pods still serve). Each is marked local or not ({@link Locality}) and
 * carries the identity of the sidecar in its pod, if it has one.
 */
final class SliceEndpoints {

    private SliceEndpoints() {
    }

    /**
     * @param preferClose whether the Service's {@code trafficDistribution} asks for same-zone endpoints
     * @param identityOf  the SPIFFE ID of the sidecar in a pod, by pod name; null for a pod without one
     */
    static List<EndpointInfo> of(Collection<SliceEntry> slices, String portName, boolean preferClose, Locality locality,
            Function<String, String> identityOf) {
        List<Candidate> ready = new ArrayList<>();
        List<Candidate> terminating = new ArrayList<>();
        int inZone = 0;
        for (SliceEntry slice : slices) {
            Integer port = slice.ports().get(portName);
            if (port == null) {
                continue;
            }
            for (SliceEntry.Member member : slice.members()) {
                if (locality.zone() != null && locality.zone().equals(member.zone()) && !member.terminating()) {
                    inZone++;   // the zone's size, ready or not: its share of ready ones decides failover
                }
                if (!member.ready() && !(member.serving() && member.terminating())) {
                    continue;   // not ready: no traffic
                }
                for (InetAddress ip : member.addresses()) {
                    (member.ready() ? ready : terminating).add(new Candidate(new InetSocketAddress(ip, port), member));
                }
            }
        }
        List<Candidate> chosen = ready.isEmpty() ? terminating : ready;
        chosen.sort(Comparator.comparing(candidate -> candidate.address().toString()));
        boolean[] local = local(chosen, preferClose, locality, inZone);
        List<EndpointInfo> infos = new ArrayList<>(chosen.size());
        for (int i = 0; i < chosen.size(); i++) {
            SliceEntry.Member member = chosen.get(i).member();
            infos.add(new EndpointInfo(chosen.get(i).address(), member.pod(), member.zone(),
                    member.ready() ? EndpointInfo.State.READY : EndpointInfo.State.TERMINATING,
                    member.pod() == null ? null : identityOf.apply(member.pod()), local[i]));
        }
        return List.copyOf(infos);
    }

    private record Candidate(InetSocketAddress address, SliceEntry.Member member) {
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
        boolean hinted = chosen.stream().allMatch(candidate -> !candidate.member().hintedZones().isEmpty());
        int count = 0;
        for (int i = 0; i < local.length; i++) {
            SliceEntry.Member member = chosen.get(i).member();
            local[i] = hinted ? member.hintedZones().contains(zone)
                    : (locality.preferSameZone() || preferClose) && zone.equals(member.zone());
            count += local[i] ? 1 : 0;
        }
        boolean tooFewReady = !hinted && count * 100 < inZone * locality.failoverPercent();
        return count == 0 || tooFewReady ? new boolean[chosen.size()] : local;
    }
}
