package io.outrigger.discovery;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.outrigger.cluster.EndpointFeed;
import io.outrigger.cluster.EndpointInfo;
import org.junit.jupiter.api.Test;

import static io.outrigger.discovery.Slices.endpoint;
import static io.outrigger.discovery.Slices.service;
import static io.outrigger.discovery.Slices.slice;
import static org.assertj.core.api.Assertions.assertThat;

/** Which endpoints of a Service take traffic, and how changes reach the clusters that subscribed. */
class ServiceCatalogTest {

    final ServiceCatalog catalog = new ServiceCatalog();
    final List<List<EndpointInfo>> pushed = new ArrayList<>();

    List<String> last() {
        return pushed.getLast().stream().map(info -> info.address().getAddress().getHostAddress() + ":"
                + info.address().getPort() + " " + info.pod() + " " + info.state()).toList();
    }

    EndpointFeed.Subscription subscribe() {
        return catalog.subscribe("shop/reviews:http", pushed::add);
    }

    @Test
    void readyEndpointsTakeTrafficAndNotReadyOnesNone() {
        catalog.sliceChanged(slice("shop", "reviews-a", "reviews", "http", 9080,
                endpoint("198.18.0.1", "reviews-1", true, true, false),
                endpoint("198.18.0.2", "reviews-2", false, false, false),
                endpoint("198.18.0.3", "reviews-3", null, null, null)));
        subscribe();
        assertThat(last()).containsExactly("198.18.0.1:9080 reviews-1 READY", "198.18.0.3:9080 reviews-3 READY");
    }

    @Test
    void servingTerminatingEndpointsServeOnlyWhenNoReadyOneIsLeft() {
        subscribe();
        catalog.sliceChanged(slice("shop", "reviews-a", "reviews", "http", 9080,
                endpoint("198.18.0.1", "old", false, true, true)));
        assertThat(last()).containsExactly("198.18.0.1:9080 old TERMINATING");
        catalog.sliceChanged(slice("shop", "reviews-b", "reviews", "http", 9080,
                endpoint("198.18.0.2", "new", true, true, false)));
        assertThat(last()).containsExactly("198.18.0.2:9080 new READY");
        catalog.sliceDeleted(slice("shop", "reviews-b", "reviews", "http", 9080));
        assertThat(last()).containsExactly("198.18.0.1:9080 old TERMINATING");
        catalog.sliceChanged(slice("shop", "reviews-a", "reviews", "http", 9080,
                endpoint("198.18.0.1", "old", false, false, true)));
        assertThat(last()).as("terminating and no longer serving: gone").isEmpty();
    }

    @Test
    void endpointsAreMatchedByPortNameAndTakeTheSlicesPortNumber() {
        catalog.sliceChanged(slice("shop", "reviews-a", "reviews", "http", 8080, endpoint("198.18.0.1", "a", true, null, null)));
        catalog.sliceChanged(slice("shop", "reviews-b", "reviews", "http", 9090, endpoint("198.18.0.2", "b", true, null, null)));
        catalog.sliceChanged(slice("shop", "reviews-c", "reviews", "metrics", 9100, endpoint("198.18.0.3", "c", true, null, null)));
        catalog.sliceChanged(slice("other", "reviews-d", "reviews", "http", 8080, endpoint("198.18.0.4", "d", true, null, null)));
        subscribe();
        assertThat(last()).containsExactly("198.18.0.1:8080 a READY", "198.18.0.2:9090 b READY");
    }

    @Test
    void anAddressThatIsNotAnIpIsSkippedAndTheRestServe() {
        catalog.sliceChanged(slice("shop", "reviews-a", "reviews", "http", 9080,
                endpoint("not-an-ip.example", "x", true, null, null), endpoint("198.18.0.1", "y", true, null, null)));
        subscribe();
        assertThat(last()).containsExactly("198.18.0.1:9080 y READY");
    }

    @Test
    void aSubscriberIsToldOnlyOfRealChangesAndNothingAfterClosing() {
        EndpointFeed.Subscription subscription = subscribe();
        catalog.sliceChanged(slice("shop", "reviews-a", "reviews", "http", 9080, endpoint("198.18.0.1", "a", true, null, null)));
        int afterFirst = pushed.size();
        catalog.sliceChanged(slice("shop", "reviews-a", "reviews", "http", 9080, endpoint("198.18.0.1", "a", true, null, null)));
        catalog.sliceChanged(slice("shop", "ratings-a", "ratings", "http", 9080, endpoint("198.18.0.9", "r", true, null, null)));
        assertThat(pushed).hasSize(afterFirst);
        subscription.close();
        catalog.sliceDeleted(slice("shop", "reviews-a", "reviews", "http", 9080));
        assertThat(pushed).hasSize(afterFirst);
    }

    @Test
    void aPortByNumberHasEndpointsOnceItsServiceIsKnown() {
        catalog.sliceChanged(slice("shop", "reviews-a", "reviews", "http", 8080, endpoint("198.18.0.1", "a", true, null, null)));
        catalog.subscribe("shop/reviews:#9080", pushed::add);
        assertThat(last()).as("no Service yet: which port 9080 is, is not known").isEmpty();
        catalog.serviceChanged(service("shop", "reviews", "http", 9080));
        assertThat(last()).containsExactly("198.18.0.1:8080 a READY");
        catalog.serviceDeleted(service("shop", "reviews", "http", 9080));
        assertThat(last()).isEmpty();
    }

    @Test
    void serviceChangesAreToldOnceEachAndAnExternalNameServiceKeepsItsDnsName() {
        AtomicInteger told = new AtomicInteger();
        catalog.onServicesChanged(told::incrementAndGet);
        catalog.serviceChanged(service("shop", "reviews", "http", 9080));
        catalog.serviceChanged(service("shop", "reviews", "http", 9080));
        assertThat(told).hasValue(1);
        assertThat(catalog.services()).singleElement().satisfies(s -> {
            assertThat(s.clusterName(s.ports().getFirst(), "cluster.local")).isEqualTo("outbound|9080||reviews.shop.svc.cluster.local");
            assertThat(s.feedKey(s.ports().getFirst())).isEqualTo("shop/reviews:http");
        });
        var external = service("shop", "payments", "", 443);
        external.getSpec().setType("ExternalName");
        external.getSpec().setClusterIP(null);
        catalog.serviceChanged(external);
        assertThat(catalog.services()).as("an ExternalName Service without its name is skipped").hasSize(1);
        external.getSpec().setExternalName("payments.example.com");
        catalog.serviceChanged(external);
        assertThat(catalog.services()).hasSize(2).filteredOn(svc -> svc.name().equals("payments")).singleElement()
                .satisfies(svc -> {
                    assertThat(svc.externalName()).isEqualTo("payments.example.com");
                    assertThat(svc.clusterIp()).isNull();
                });
        catalog.serviceDeleted(service("shop", "reviews", "http", 9080));
        assertThat(catalog.services()).hasSize(1);
        assertThat(told).hasValue(3);
    }
}
