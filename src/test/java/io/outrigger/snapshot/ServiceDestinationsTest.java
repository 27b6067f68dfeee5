package io.outrigger.snapshot;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.outrigger.config.OutriggerProperties;
import io.outrigger.pipeline.OutboundStack;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/** A route's {@code service:} destination: accepted before the Service exists, refused when malformed. */
class ServiceDestinationsTest {

    static List<String> problems(String... keyValues) {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("outrigger.discovery.enabled", "true");
        properties.put("outrigger.routes[0].name", "reviews");
        properties.put("outrigger.routes[0].hosts[0]", "reviews");
        for (int i = 0; i < keyValues.length; i += 2) {
            properties.put(keyValues[i], keyValues[i + 1]);
        }
        OutriggerProperties settings = new Binder(new MapConfigurationPropertySource(properties))
                .bindOrCreate("outrigger", OutriggerProperties.class);
        return new SnapshotCompiler(OutboundStack.ROUTE_POLICIES).check(settings);
    }

    @Test
    void aServiceThatDoesNotExistYetIsAccepted() {
        assertThat(problems("outrigger.routes[0].route[0].service", "reviews-v2.shop", "outrigger.routes[0].route[0].port", "9080",
                "outrigger.routes[0].route[1].service", "reviews", "outrigger.routes[0].route[1].port", "9080")).isEmpty();
    }

    @Test
    void aServiceDestinationNeedsAPortAValidNameAndDiscovery() {
        assertThat(problems("outrigger.routes[0].route[0].service", "reviews"))
                .containsExactly("outrigger.routes[0].route[0].port: a service destination needs the Service's port (1-65535), was null");
        assertThat(problems("outrigger.routes[0].route[0].service", "Reviews_v2", "outrigger.routes[0].route[0].port", "9080"))
                .containsExactly("outrigger.routes[0].route[0].service: 'Reviews_v2' is not a Service name (name, or name.namespace)");
        assertThat(problems("outrigger.discovery.enabled", "false",
                "outrigger.routes[0].route[0].service", "reviews", "outrigger.routes[0].route[0].port", "9080"))
                .containsExactly("outrigger.routes[0].route[0].service: needs outrigger.discovery.enabled: Services are known through discovery");
    }

    @Test
    void aDestinationIsAClusterOrAServiceNotBoth() {
        assertThat(problems("outrigger.clusters.app.endpoints[0]", "127.0.0.1:8080",
                "outrigger.routes[0].route[0].cluster", "app",
                "outrigger.routes[0].route[0].service", "reviews", "outrigger.routes[0].route[0].port", "9080"))
                .containsExactly("outrigger.routes[0].route[0]: names both a cluster and a service: set one of them");
    }
}
