package io.outrigger.discovery;

import java.util.ArrayList;
import java.util.List;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.outrigger.cluster.EndpointInfo;
import org.junit.jupiter.api.Test;

import static io.outrigger.discovery.Slices.service;
import static io.outrigger.discovery.Slices.slice;
import static org.assertj.core.api.Assertions.assertThat;

/** Which endpoints locality prefers, and which are reached with mTLS to a sidecar in their pod. */
class LocalityAndIdentityTest {

    final List<List<EndpointInfo>> pushed = new ArrayList<>();

    ServiceCatalog catalog(String zone, boolean preferSameZone) {
        ServiceCatalog catalog = new ServiceCatalog(new Locality(zone, preferSameZone, 70), "mesh.example");
        catalog.subscribe("shop/reviews:http", pushed::add);
        return catalog;
    }

    static Endpoint at(String ip, String pod, String zone, boolean ready, String... hints) {
        EndpointBuilder builder = new EndpointBuilder().withAddresses(ip).withZone(zone)
                .withNewTargetRef().withKind("Pod").withName(pod).endTargetRef()
                .withNewConditions().withReady(ready).withServing(ready).withTerminating(false).endConditions();
        if (hints.length > 0) {
            builder.withNewHints().withForZones(java.util.Arrays.stream(hints)
                    .map(name -> new io.fabric8.kubernetes.api.model.discovery.v1.ForZone(name)).toList()).endHints();
        }
        return builder.build();
    }

    List<String> local() {
        return pushed.getLast().stream().filter(EndpointInfo::local).map(EndpointInfo::pod).toList();
    }

    @Test
    void sameZoneEndpointsArePreferredWhileEnoughOfTheZoneIsReady() {
        ServiceCatalog catalog = catalog("zone-a", true);
        catalog.sliceChanged(slice("shop", "reviews-a", "reviews", "http", 9080,
                at("198.18.0.1", "a1", "zone-a", true), at("198.18.0.2", "a2", "zone-a", true),
                at("198.18.0.3", "a3", "zone-a", true), at("198.18.0.4", "b1", "zone-b", true)));
        assertThat(local()).containsExactly("a1", "a2", "a3");

        // Two of three in the zone not ready: 33% < 70%, so every zone serves.
        catalog.sliceChanged(slice("shop", "reviews-a", "reviews", "http", 9080,
                at("198.18.0.1", "a1", "zone-a", true), at("198.18.0.2", "a2", "zone-a", false),
                at("198.18.0.3", "a3", "zone-a", false), at("198.18.0.4", "b1", "zone-b", true)));
        assertThat(pushed.getLast()).hasSize(2);
        assertThat(local()).isEmpty();
    }

    @Test
    void withoutAZoneOrWithPreferenceOffNothingIsLocalUnlessTheServiceAsks() {
        ServiceCatalog noZone = catalog(null, true);
        noZone.sliceChanged(slice("shop", "reviews-a", "reviews", "http", 9080,
                at("198.18.0.1", "a1", "zone-a", true), at("198.18.0.4", "b1", "zone-b", true)));
        assertThat(local()).isEmpty();

        ServiceCatalog off = catalog("zone-a", false);
        off.sliceChanged(slice("shop", "reviews-a", "reviews", "http", 9080,
                at("198.18.0.1", "a1", "zone-a", true), at("198.18.0.4", "b1", "zone-b", true)));
        assertThat(local()).isEmpty();
        Service preferClose = service("shop", "reviews", "http", 9080);
        preferClose.getSpec().setTrafficDistribution("PreferClose");
        off.serviceChanged(preferClose);
        assertThat(local()).containsExactly("a1");
    }

    @Test
    void hintsDecideWhenEveryEndpointHasThemAndAreIgnoredOtherwise() {
        ServiceCatalog catalog = catalog("zone-a", true);
        catalog.sliceChanged(slice("shop", "reviews-a", "reviews", "http", 9080,
                at("198.18.0.1", "a1", "zone-a", true, "zone-a"), at("198.18.0.4", "b1", "zone-b", true, "zone-a"),
                at("198.18.0.5", "b2", "zone-b", true, "zone-b")));
        assertThat(local()).as("b1 is hinted for this zone").containsExactly("a1", "b1");

        catalog.sliceChanged(slice("shop", "reviews-a", "reviews", "http", 9080,
                at("198.18.0.1", "a1", "zone-a", true, "zone-a"), at("198.18.0.4", "b1", "zone-b", true),
                at("198.18.0.5", "b2", "zone-b", true, "zone-b")));
        assertThat(local()).as("b1 lacks hints: zones decide").containsExactly("a1");

        catalog.sliceChanged(slice("shop", "reviews-a", "reviews", "http", 9080,
                at("198.18.0.4", "b1", "zone-b", true, "zone-b"), at("198.18.0.5", "b2", "zone-b", true, "zone-b")));
        assertThat(local()).as("hints leave none for this zone: all serve").isEmpty();
    }

    static Pod pod(String name, String account, boolean meshed) {
        PodBuilder builder = new PodBuilder().withNewMetadata().withNamespace("shop").withName(name).endMetadata()
                .withNewSpec().withServiceAccountName(account).endSpec();
        if (meshed) {
            builder.editMetadata().addToLabels(ServiceCatalog.MESHED_LABEL, ServiceCatalog.MESHED_VALUE).endMetadata();
        }
        return builder.build();
    }

    @Test
    void podsThatRunOutriggerCarryTheirSidecarsIdentityFromTheirServiceAccount() {
        ServiceCatalog catalog = catalog(null, true);
        catalog.podChanged(pod("a1", "reviews-sa", true));
        catalog.sliceChanged(slice("shop", "reviews-a", "reviews", "http", 9080,
                at("198.18.0.1", "a1", "zone-a", true), at("198.18.0.2", "a2", "zone-a", true)));
        assertThat(pushed.getLast()).extracting(EndpointInfo::identity)
                .containsExactly("spiffe://mesh.example/ns/shop/sa/reviews-sa", null);

        catalog.podChanged(pod("a2", "other", true));   // a pod seen after its slice
        assertThat(pushed.getLast()).extracting(EndpointInfo::identity)
                .containsExactly("spiffe://mesh.example/ns/shop/sa/reviews-sa", "spiffe://mesh.example/ns/shop/sa/other");

        catalog.podChanged(pod("a1", "reviews-sa", false));   // the label removed
        catalog.podDeleted(pod("a2", "other", true));
        assertThat(pushed.getLast()).extracting(EndpointInfo::identity).containsExactly(null, null);
    }

    @Test
    void aPodNotListedByAnyServiceChangesNothing() {
        ServiceCatalog catalog = catalog(null, true);
        catalog.sliceChanged(slice("shop", "reviews-a", "reviews", "http", 9080, at("198.18.0.1", "a1", "zone-a", true)));
        int before = pushed.size();
        catalog.podChanged(pod("elsewhere", "sa", true));
        assertThat(pushed).hasSize(before);
    }

    @Test
    void aSliceWithoutAServiceLabelFeedsNoService() {
        ServiceCatalog catalog = new ServiceCatalog();
        List<List<EndpointInfo>> fed = new ArrayList<>();
        catalog.subscribe("shop/null:http", fed::add);
        var orphan = slice("shop", "orphan", "reviews", "http", 9080, at("198.18.0.1", "a1", "zone-a", true));
        orphan.getMetadata().getLabels().clear();
        catalog.sliceChanged(orphan);
        assertThat(fed.getLast()).as("not filed under a Service named null").isEmpty();
    }
}
