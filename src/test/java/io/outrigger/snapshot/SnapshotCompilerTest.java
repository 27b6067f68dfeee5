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

/** Every error names the property the user wrote; a valid tree has none. */
class SnapshotCompilerTest {

    static List<String> errors(String... keyValues) {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("outrigger.clusters.app.endpoints[0]", "127.0.0.1:8080");
        properties.put("outrigger.routes[0].name", "app");
        properties.put("outrigger.routes[0].hosts[0]", "app");
        properties.put("outrigger.routes[0].route[0].cluster", "app");
        for (int i = 0; i < keyValues.length; i += 2) {
            properties.put(keyValues[i], keyValues[i + 1]);
        }
        OutriggerProperties config = new Binder(new MapConfigurationPropertySource(properties))
                .bindOrCreate("outrigger", OutriggerProperties.class);
        return new SnapshotCompiler(OutboundStack.ROUTE_POLICIES).check(config);
    }

    @Test
    void aMinimalTreeIsValid() {
        assertThat(errors()).isEmpty();
    }

    @Test
    void anUnknownClusterIsNamed() {
        assertThat(errors("outrigger.routes[0].route[0].cluster", "nope"))
                .containsExactly("outrigger.routes[0].route[0].cluster: unknown cluster 'nope'");
    }

    @Test
    void weightsMustBeNonNegativeWithAPositiveSum() {
        assertThat(errors("outrigger.routes[0].route[0].weight", "-1"))
                .contains("outrigger.routes[0].route[0].weight: must not be negative, was -1");
        assertThat(errors("outrigger.routes[0].route[0].weight", "0"))
                .containsExactly("outrigger.routes[0].route: the weights must add up to more than zero");
    }

    @Test
    void regexesMustCompile() {
        assertThat(errors("outrigger.routes[0].match[0].uri.regex", "(unclosed"))
                .singleElement().asString().startsWith("outrigger.routes[0].match[0].uri.regex: invalid regular expression");
        assertThat(errors("outrigger.routes[0].match[0].headers.x-id.regex", "[a-"))
                .singleElement().asString().startsWith("outrigger.routes[0].match[0].headers.x-id.regex:");
    }

    @Test
    void aStringMatchSetsExactlyOneKind() {
        assertThat(errors("outrigger.routes[0].match[0].uri.exact", "/a", "outrigger.routes[0].match[0].uri.prefix", "/b"))
                .containsExactly("outrigger.routes[0].match[0].uri: exactly one of exact, prefix or regex must be set");
    }

    @Test
    void durationsMustBePositive() {
        assertThat(errors("outrigger.routes[0].timeout", "0s"))
                .containsExactly("outrigger.routes[0].timeout: must be a positive duration, was PT0S");
        assertThat(errors("outrigger.clusters.app.connect-timeout", "-1s"))
                .containsExactly("outrigger.clusters.app.connect-timeout: must be a positive duration, was PT-1S");
    }

    @Test
    void routeNamesAreRequiredAndUnique() {
        assertThat(errors("outrigger.routes[1].name", "app", "outrigger.routes[1].hosts[0]", "b",
                "outrigger.routes[1].route[0].cluster", "app"))
                .containsExactly("outrigger.routes[1].name: duplicate route name 'app'");
        assertThat(errors("outrigger.routes[0].name", " "))
                .containsExactly("outrigger.routes[0].name: every route needs a name (it labels logs and metrics)");
    }

    @Test
    void retryConditionsAreKnown() {
        assertThat(errors("outrigger.routes[0].retries.retry-on", "5xx,sometimes"))
                .singleElement().asString().startsWith("outrigger.routes[0].retries.retry-on: unknown retry condition 'sometimes'");
        assertThat(errors("outrigger.routes[0].retries.retry-on", "gateway-error,409,retriable-status-codes",
                "outrigger.routes[0].retries.retriable-status-codes[0]", "425")).isEmpty();
    }

    @Test
    void endpointsNeedHostAndPort() {
        assertThat(errors("outrigger.clusters.app.endpoints[0]", "reviews"))
                .containsExactly("outrigger.clusters.app.endpoints[0]: 'reviews' has no port; expected host:port");
        assertThat(errors("outrigger.clusters.app.endpoints[0]", "reviews:99999"))
                .containsExactly("outrigger.clusters.app.endpoints[0]: 'reviews:99999' has port 99999 outside 1-65535");
    }

    @Test
    void enumeratedValuesAreChecked() {
        assertThat(errors("outrigger.clusters.app.load-balancer", "fastest"))
                .containsExactly("outrigger.clusters.app.load-balancer: must be round-robin, least-request or random, was 'fastest'");
        assertThat(errors("outrigger.outbound.mode", "deny-all"))
                .containsExactly("outrigger.outbound.mode: must be allow-any or registry-only, was 'deny-all'");
        assertThat(errors("outrigger.access-log.format", "xml"))
                .containsExactly("outrigger.access-log.format: must be text or json, was 'xml'");
    }

    @Test
    void faultsNeedTheirValues() {
        assertThat(errors("outrigger.routes[0].fault.abort.percent", "150"))
                .contains("outrigger.routes[0].fault.abort.percent: must be between 0 and 100, was 150.0",
                        "outrigger.routes[0].fault.abort.http-status: must be an HTTP status from 200 to 599, was null");
        assertThat(errors("outrigger.routes[0].fault.delay.percent", "10"))
                .containsExactly("outrigger.routes[0].fault.delay.fixed-delay: is required");
    }

    @Test
    void hostsAreHostsOrWildcards() {
        assertThat(errors("outrigger.routes[0].hosts[0]", "a*b"))
                .containsExactly("outrigger.routes[0].hosts[0]: 'a*b' is not a host, host:port, *.suffix or *");
        assertThat(errors("outrigger.routes[0].hosts[0]", "*.example.com")).isEmpty();
    }

    @Test
    void everyErrorIsReportedAtOnce() {
        assertThat(errors("outrigger.routes[0].route[0].cluster", "nope", "outrigger.routes[0].timeout", "0s",
                "outrigger.clusters.app.load-balancer", "x")).hasSize(3);
    }

    @Test
    void portsAndProtocolsAreChecked() {
        assertThat(errors("outrigger.inbound.ports.http.protocol", "tcp"))
                .containsExactly("outrigger.inbound.ports.http: 'http' is not a TCP port");
        assertThat(errors("outrigger.outbound.ports.5432.protocol", "postgres"))
                .containsExactly("outrigger.outbound.ports.5432.protocol: must be auto, http, http2 or tcp, was 'postgres'");
        assertThat(errors("outrigger.inbound.protocol-detection-timeout", "0s"))
                .containsExactly("outrigger.inbound.protocol-detection-timeout: must be a positive duration, was PT0S");
    }

    @Test
    void tcpRoutesNeedANamePortAndKnownClusterAndTakeAnAddressOrBlock() {
        assertThat(errors("outrigger.tcp-routes[0].name", "db", "outrigger.tcp-routes[0].port", "5432",
                "outrigger.tcp-routes[0].address", "10.0.0.0/8", "outrigger.tcp-routes[0].cluster", "app")).isEmpty();
        assertThat(errors("outrigger.tcp-routes[0].name", "db", "outrigger.tcp-routes[0].cluster", "nope",
                "outrigger.tcp-routes[0].address", "10.0.0.0/33"))
                .containsExactlyInAnyOrder("outrigger.tcp-routes[0].port: the destination port is required",
                        "outrigger.tcp-routes[0].address: '10.0.0.0/33': the prefix length must be 0 to 32",
                        "outrigger.tcp-routes[0].cluster: unknown cluster 'nope'");
    }

    @Test
    void mutualTlsAndStrictNeedAnIdentityAndPrincipalsMustBeSpiffeIds() {
        assertThat(errors("outrigger.clusters.app.tls", "mutual")).containsExactly(
                "outrigger.clusters.app.tls: mutual needs the pod's identity: set outrigger.tls.cert-chain, private-key and trust-bundle");
        assertThat(errors("outrigger.inbound.tls-mode", "STRICT")).containsExactly(
                "outrigger.inbound.tls-mode: STRICT needs the pod's identity: set outrigger.tls.cert-chain, private-key and trust-bundle");
        assertThat(errors("outrigger.inbound.tls-mode", "strict")).containsExactly(
                "outrigger.inbound.tls-mode: must be DISABLE, PERMISSIVE or STRICT, was 'strict'");
        assertThat(errors("outrigger.tls.cert-chain", "/c.pem")).containsExactly(
                "outrigger.tls: cert-chain, private-key and trust-bundle are needed together");
        assertThat(errors("outrigger.inbound.authorization.allow-principals[0]", "frontend")).containsExactly(
                "outrigger.inbound.authorization.allow-principals[0]: 'frontend' is not a SPIFFE ID (spiffe://trust-domain/path, * allowed)");
    }
}
