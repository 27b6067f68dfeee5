package io.outrigger.routing;

import java.util.HashMap;
import java.util.Map;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.outrigger.testing.ProxyClient;
import io.outrigger.testing.Sidecar;
import io.outrigger.testing.TestUpstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Requests through the outbound listener reach the cluster the route table names. */
class OutboundRoutingIT {

    static TestUpstream reviewsV1;
    static TestUpstream reviewsV2;
    static TestUpstream ratings;
    static TestUpstream catchAll;
    static Sidecar sidecar;
    static ProxyClient client;

    @BeforeAll
    static void start() {
        reviewsV1 = TestUpstream.start("reviews-v1");
        reviewsV2 = TestUpstream.start("reviews-v2");
        ratings = TestUpstream.start("ratings");
        catchAll = TestUpstream.start("catch-all");
        sidecar = Sidecar.start("""
                outrigger:
                  routes:
                    - name: reviews-jason
                      hosts: [ "reviews", "reviews.default.svc.cluster.local" ]
                      match:
                        - uri: { prefix: /api }
                          method: GET
                          headers: { end-user: { exact: jason } }
                        - headers: { x-canary: { present: true } }
                      route: [ { cluster: reviews-v2 } ]
                    - name: reviews-regex
                      hosts: [ "reviews" ]
                      match:
                        - uri: { regex: "/v[0-9]+/items" }
                        - headers: { x-tier: { prefix: gold } }
                        - headers: { x-id: { regex: "[a-f]{4}" } }
                      route: [ { cluster: reviews-v2 } ]
                    - name: reviews-exact
                      hosts: [ "reviews" ]
                      match: [ { uri: { exact: /exact } } ]
                      route: [ { cluster: ratings } ]
                    - name: reviews
                      hosts: [ "reviews", "reviews.default.svc.cluster.local" ]
                      route: [ { cluster: reviews-v1 } ]
                    - name: ratings-port
                      hosts: [ "ratings:9080" ]
                      route: [ { cluster: ratings } ]
                    - name: split
                      hosts: [ "split" ]
                      route:
                        - { cluster: reviews-v1, weight: 75 }
                        - { cluster: reviews-v2, weight: 25 }
                    - name: zero-weight
                      hosts: [ "zero" ]
                      route:
                        - { cluster: reviews-v1, weight: 0 }
                        - { cluster: reviews-v2, weight: 1 }
                    - name: wildcard
                      hosts: [ "*.example.com" ]
                      route: [ { cluster: catch-all } ]
                  clusters:
                    reviews-v1: { endpoints: [ "%s" ] }
                    reviews-v2: { endpoints: [ "%s" ] }
                    ratings: { endpoints: [ "%s" ] }
                    catch-all: { endpoints: [ "%s" ] }
                """.formatted(reviewsV1.endpoint(), reviewsV2.endpoint(), ratings.endpoint(), catchAll.endpoint()));
        client = new ProxyClient(sidecar.outboundPort());
    }

    @AfterAll
    static void stop() {
        client.close();
        sidecar.close();
        reviewsV1.close();
        reviewsV2.close();
        ratings.close();
        catchAll.close();
    }

    @BeforeEach
    void clear() {
        reviewsV1.reset();
        reviewsV2.reset();
    }

    @Test
    void hostWithOrWithoutPortSelectsTheRoute() {
        assertThat(client.get("reviews", "/").body()).isEqualTo("reviews-v1");
        assertThat(client.get("reviews:9080", "/").body()).isEqualTo("reviews-v1");
        assertThat(client.get("REVIEWS.default.svc.cluster.local", "/").body()).isEqualTo("reviews-v1");
    }

    @Test
    void aHostWithAPortMatchesOnlyThatPort() {
        assertThat(client.get("ratings:9080", "/").body()).isEqualTo("ratings");
        ProxyClient.Response other = client.get("ratings:9090", "/");
        assertThat(other.status()).isEqualTo(502);
        assertThat(other.body()).contains("no route");
    }

    @Test
    void suffixWildcardMatchesSubdomainsOnly() {
        assertThat(client.get("api.example.com", "/").body()).isEqualTo("catch-all");
        assertThat(client.get("a.b.example.com:8443", "/").body()).isEqualTo("catch-all");
        assertThat(client.get("example.com", "/").status()).isEqualTo(502);
    }

    @Test
    void allConditionsOfOneMatchEntryMustHold() {
        DefaultHttpHeaders jason = new DefaultHttpHeaders();
        jason.set("end-user", "jason");
        assertThat(send(HttpMethod.GET, "/api/x", jason)).isEqualTo("reviews-v2");
        assertThat(send(HttpMethod.POST, "/api/x", jason)).isEqualTo("reviews-v1");
        assertThat(send(HttpMethod.GET, "/other", jason)).isEqualTo("reviews-v1");
        DefaultHttpHeaders bob = new DefaultHttpHeaders();
        bob.set("end-user", "bob");
        assertThat(send(HttpMethod.GET, "/api/x", bob)).isEqualTo("reviews-v1");
    }

    @Test
    void anyOneMatchEntrySuffices() {
        DefaultHttpHeaders canary = new DefaultHttpHeaders();
        canary.set("x-canary", "");
        assertThat(send(HttpMethod.DELETE, "/anything", canary)).isEqualTo("reviews-v2");
    }

    @Test
    void uriRegexMatchesTheWholePathWithoutTheQuery() {
        assertThat(client.get("reviews", "/v12/items?page=2").body()).isEqualTo("reviews-v2");
        assertThat(client.get("reviews", "/v12/items/7").body()).isEqualTo("reviews-v1");
    }

    @Test
    void uriExactIgnoresTheQuery() {
        assertThat(client.get("reviews", "/exact?x=1").body()).isEqualTo("ratings");
        assertThat(client.get("reviews", "/exact/more").body()).isEqualTo("reviews-v1");
    }

    @Test
    void headerPrefixAndRegexMatch() {
        DefaultHttpHeaders gold = new DefaultHttpHeaders();
        gold.set("x-tier", "gold-plus");
        assertThat(send(HttpMethod.GET, "/", gold)).isEqualTo("reviews-v2");
        DefaultHttpHeaders id = new DefaultHttpHeaders();
        id.set("x-id", "beef");
        assertThat(send(HttpMethod.GET, "/", id)).isEqualTo("reviews-v2");
        id.set("x-id", "beefy");
        assertThat(send(HttpMethod.GET, "/", id)).isEqualTo("reviews-v1");
    }

    @Test
    void theFirstMatchingRouteWins() {
        // "reviews-jason" is listed before "reviews" and matches, so it wins.
        DefaultHttpHeaders canary = new DefaultHttpHeaders();
        canary.set("x-canary", "1");
        assertThat(send(HttpMethod.GET, "/", canary)).isEqualTo("reviews-v2");
    }

    @Test
    void weightsSplitTrafficInProportion() {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 400; i++) {
            counts.merge(client.get("split", "/").body(), 1, Integer::sum);
        }
        assertThat(counts.get("reviews-v1")).isBetween(250, 350);
        assertThat(counts.get("reviews-v2")).isBetween(50, 150);
    }

    @Test
    void aZeroWeightDestinationGetsNothing() {
        for (int i = 0; i < 50; i++) {
            assertThat(client.get("zero", "/").body()).isEqualTo("reviews-v2");
        }
    }

    @Test
    void anUnmatchedHostGets502NoRoute() {
        ProxyClient.Response response = client.get("unknown.internal", "/");
        assertThat(response.status()).isEqualTo(502);
        assertThat(response.body()).isEqualTo("no route matched host 'unknown.internal'\n");
    }

    private static String send(HttpMethod method, String path, DefaultHttpHeaders headers) {
        return client.send(method, "reviews", path, null, headers).body();
    }
}
