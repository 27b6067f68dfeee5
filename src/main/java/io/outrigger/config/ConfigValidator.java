package io.outrigger.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import io.outrigger.cluster.EndpointAddress;
import io.outrigger.cluster.LoadBalancerKind;
import io.outrigger.pipeline.retry.RetryOn;
import io.outrigger.protocol.Protocol;
import io.outrigger.routing.AddressBlock;

/**
 * Checks a bound {@link OutriggerProperties} tree as a whole and reports every problem it finds,
 * each naming the property path the user wrote, e.g.
 * {@code outrigger.routes[2].route[0].cluster: unknown cluster 'nope'}. A tree with any error is
 * refused whole.
 */
public final class ConfigValidator {

    private static final String ROOT = "outrigger";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._|-]*");

    private ConfigValidator() {
    }

    public static List<String> validate(OutriggerProperties config) {
        Errors errors = new Errors();
        listener(errors, ROOT + ".inbound", config.inbound().port(), config.inbound().limits());
        listener(errors, ROOT + ".outbound", config.outbound().port(), config.outbound().limits());
        ports(errors, ROOT + ".inbound", config.inbound().ports(), config.inbound().protocolDetectionTimeout());
        mtls(errors, config);
        ports(errors, ROOT + ".outbound", config.outbound().ports(), config.outbound().protocolDetectionTimeout());
        port(errors, ROOT + ".inbound.app-port", config.inbound().appPort(), false);
        if (!Set.of("allow-any", "registry-only").contains(config.outbound().mode())) {
            errors.add(ROOT + ".outbound.mode", "must be allow-any or registry-only, was '" + config.outbound().mode() + "'");
        }
        if (!Set.of("text", "json").contains(config.accessLog().format())) {
            errors.add(ROOT + ".access-log.format", "must be text or json, was '" + config.accessLog().format() + "'");
        }
        config.clusters().forEach((name, cluster) -> cluster(errors, name, cluster));
        Set<String> routeNames = new HashSet<>();
        for (int i = 0; i < config.routes().size(); i++) {
            route(errors, ROOT + ".routes[" + i + "]", config.routes().get(i), config.clusters(), routeNames);
        }
        Set<String> tcpRouteNames = new HashSet<>();
        for (int i = 0; i < config.tcpRoutes().size(); i++) {
            tcpRoute(errors, ROOT + ".tcp-routes[" + i + "]", config.tcpRoutes().get(i), config.clusters(), tcpRouteNames);
        }
        return errors.list;
    }

    private static final Set<String> TLS_MODES = Set.of("DISABLE", "PERMISSIVE", "STRICT");

    private static void mtls(Errors errors, OutriggerProperties config) {
        boolean identity = config.tls().configured();
        if (identity && (config.tls().certChain() == null || config.tls().privateKey() == null || config.tls().trustBundle() == null)) {
            errors.add(ROOT + ".tls", "cert-chain, private-key and trust-bundle are needed together");
        }
        tlsMode(errors, ROOT + ".inbound.tls-mode", config.inbound().tlsMode(), identity);
        config.inbound().ports().forEach((port, settings) -> {
            if (settings.tlsMode() != null) {
                tlsMode(errors, ROOT + ".inbound.ports." + port + ".tls-mode", settings.tlsMode(), identity);
            }
        });
        principals(errors, ROOT + ".inbound.authorization.allow-principals", config.inbound().authorization().allowPrincipals());
        config.clusters().forEach((name, cluster) -> {
            String path = ROOT + ".clusters." + name;
            if (!Set.of("none", "mutual").contains(cluster.tls())) {
                errors.add(path + ".tls", "must be none or mutual, was '" + cluster.tls() + "'");
            } else if (cluster.mutualTls() && !identity) {
                errors.add(path + ".tls", "mutual needs the pod's identity: set outrigger.tls.cert-chain, private-key and trust-bundle");
            }
            principals(errors, path + ".peer-principals", cluster.peerPrincipals());
        });
    }

    private static void tlsMode(Errors errors, String path, String mode, boolean identity) {
        if (!TLS_MODES.contains(mode)) {
            errors.add(path, "must be DISABLE, PERMISSIVE or STRICT, was '" + mode + "'");
        } else if ("STRICT".equals(mode) && !identity) {
            errors.add(path, "STRICT needs the pod's identity: set outrigger.tls.cert-chain, private-key and trust-bundle");
        }
    }

    private static void principals(Errors errors, String path, List<String> principals) {
        for (int i = 0; i < principals.size(); i++) {
            String principal = principals.get(i);
            if (principal == null || principal.isBlank() || principal.chars().anyMatch(Character::isWhitespace)
                    || !(principal.startsWith("spiffe://") || principal.equals("*"))) {
                errors.add(path + "[" + i + "]", "'" + principal + "' is not a SPIFFE ID (spiffe://trust-domain/path, * allowed)");
            }
        }
    }

    private static void ports(Errors errors, String path, Map<String, OutriggerProperties.Port> ports, Duration detection) {
        positive(errors, path + ".protocol-detection-timeout", detection);
        ports.forEach((port, settings) -> {
            String at = path + ".ports." + port;
            int number;
            try {
                number = Integer.parseInt(port);
            } catch (NumberFormatException e) {
                number = -1;
            }
            if (number < 1 || number > 65535) {
                errors.add(at, "'" + port + "' is not a TCP port");
            }
            if (Protocol.fromName(settings.protocol()) == null) {
                errors.add(at + ".protocol", "must be auto, http, http2 or tcp, was '" + settings.protocol() + "'");
            }
        });
    }

    private static void tcpRoute(Errors errors, String path, OutriggerProperties.TcpRoute route,
            Map<String, OutriggerProperties.Cluster> clusters, Set<String> names) {
        if (route.name() == null || route.name().isBlank()) {
            errors.add(path + ".name", "every tcp-route needs a name (it labels logs and metrics)");
        } else if (!names.add(route.name())) {
            errors.add(path + ".name", "duplicate tcp-route name '" + route.name() + "'");
        }
        if (route.port() == null) {
            errors.add(path + ".port", "the destination port is required");
        } else {
            port(errors, path + ".port", route.port(), false);
        }
        if (route.address() != null) {
            try {
                AddressBlock.parse(route.address());
            } catch (IllegalArgumentException e) {
                errors.add(path + ".address", e.getMessage());
            }
        }
        if (route.cluster() == null) {
            errors.add(path + ".cluster", "a cluster name is required");
        } else if (!clusters.containsKey(route.cluster())) {
            errors.add(path + ".cluster", "unknown cluster '" + route.cluster() + "'");
        }
    }

    private static void listener(Errors errors, String path, int port, OutriggerProperties.Limits limits) {
        port(errors, path + ".port", port, true);
        positive(errors, path + ".limits.idle-timeout", limits.idleTimeout());
        positive(errors, path + ".limits.tcp-idle-timeout", limits.tcpIdleTimeout());
        positive(errors, path + ".limits.request-headers-timeout", limits.requestHeadersTimeout());
        if (limits.maxConnections() < 1) {
            errors.add(path + ".limits.max-connections", "must be at least 1");
        }
        if (limits.maxRequestHeadersSize().toBytes() < 1024) {
            errors.add(path + ".limits.max-request-headers-size", "must be at least 1KB");
        }
        if (limits.maxInitialLineLength().toBytes() < 256) {
            errors.add(path + ".limits.max-initial-line-length", "must be at least 256B");
        }
    }

    private static void cluster(Errors errors, String name, OutriggerProperties.Cluster cluster) {
        String path = ROOT + ".clusters." + name;
        if (!NAME.matcher(name).matches()) {
            errors.add(path, "cluster names use letters, digits, '.', '_', '|' and '-'");
        }
        if (cluster.endpoints().isEmpty()) {
            errors.add(path + ".endpoints", "at least one endpoint (host:port) is required");
        }
        for (int i = 0; i < cluster.endpoints().size(); i++) {
            try {
                EndpointAddress.parse(cluster.endpoints().get(i));
            } catch (IllegalArgumentException e) {
                errors.add(path + ".endpoints[" + i + "]", e.getMessage());
            }
        }
        if (LoadBalancerKind.fromName(cluster.loadBalancer()) == null) {
            errors.add(path + ".load-balancer", "must be round-robin, least-request or random, was '" + cluster.loadBalancer() + "'");
        }
        positive(errors, path + ".connect-timeout", cluster.connectTimeout());
        positive(errors, path + ".dns-refresh", cluster.dnsRefresh());
        OutriggerProperties.ConnectionPool pool = cluster.connectionPool();
        if (pool.maxConnections() < 1) {
            errors.add(path + ".connection-pool.max-connections", "must be at least 1");
        }
        if (pool.maxPendingRequests() < 0) {
            errors.add(path + ".connection-pool.max-pending-requests", "must not be negative");
        }
        positive(errors, path + ".connection-pool.idle-timeout", pool.idleTimeout());
        if (pool.maxRequestsPerConnection() < 0) {
            errors.add(path + ".connection-pool.max-requests-per-connection", "must not be negative (0: no limit)");
        }
        if (pool.maxConnectionDuration().isNegative()) {
            errors.add(path + ".connection-pool.max-connection-duration", "must not be negative (0s: no limit)");
        }
        OutriggerProperties.OutlierDetection outliers = cluster.outlierDetection();
        if (outliers != null) {
            String at = path + ".outlier-detection";
            if (outliers.consecutive5xx() < 0) {
                errors.add(at + ".consecutive-5xx", "must not be negative");
            }
            if (outliers.consecutiveGatewayErrors() < 0) {
                errors.add(at + ".consecutive-gateway-errors", "must not be negative");
            }
            if (outliers.consecutive5xx() == 0 && outliers.consecutiveGatewayErrors() == 0) {
                errors.add(at, "consecutive-5xx or consecutive-gateway-errors must be above 0, or nothing is ever ejected");
            }
            positive(errors, at + ".interval", outliers.interval());
            positive(errors, at + ".base-ejection-time", outliers.baseEjectionTime());
            if (outliers.maxEjectionPercent() < 0 || outliers.maxEjectionPercent() > 100) {
                errors.add(at + ".max-ejection-percent", "must be 0 to 100, was " + outliers.maxEjectionPercent());
            }
        }
    }

    private static void route(Errors errors, String path, OutriggerProperties.Route route,
            Map<String, OutriggerProperties.Cluster> clusters, Set<String> names) {
        if (route.name() == null || route.name().isBlank()) {
            errors.add(path + ".name", "every route needs a name (it labels logs and metrics)");
        } else if (!names.add(route.name())) {
            errors.add(path + ".name", "duplicate route name '" + route.name() + "'");
        }
        if (route.hosts().isEmpty()) {
            errors.add(path + ".hosts", "at least one host is required (\"*\" matches any)");
        }
        for (int i = 0; i < route.hosts().size(); i++) {
            String host = route.hosts().get(i);
            if (host == null || host.isBlank() || host.indexOf('*') > 0 || host.startsWith("*") && !host.equals("*") && !host.startsWith("*.")) {
                errors.add(path + ".hosts[" + i + "]", "'" + host + "' is not a host, host:port, *.suffix or *");
            }
        }
        for (int i = 0; i < route.match().size(); i++) {
            match(errors, path + ".match[" + i + "]", route.match().get(i));
        }
        destinations(errors, path, route.route(), clusters);
        positive(errors, path + ".timeout", route.timeout());
        if (route.retries() != null) {
            retries(errors, path + ".retries", route.retries());
        }
        if (route.fault() != null) {
            fault(errors, path + ".fault", route.fault());
        }
        headerNames(errors, path + ".headers.request", route.headers().request());
        headerNames(errors, path + ".headers.response", route.headers().response());
    }

    private static void destinations(Errors errors, String path, List<OutriggerProperties.Destination> route,
            Map<String, OutriggerProperties.Cluster> clusters) {
        if (route.isEmpty()) {
            errors.add(path + ".route", "at least one destination cluster is required");
        }
        long total = 0;
        for (int i = 0; i < route.size(); i++) {
            OutriggerProperties.Destination destination = route.get(i);
            String at = path + ".route[" + i + "]";
            if (destination.cluster() == null) {
                errors.add(at + ".cluster", "a cluster name is required");
            } else if (!clusters.containsKey(destination.cluster())) {
                errors.add(at + ".cluster", "unknown cluster '" + destination.cluster() + "'");
            }
            if (destination.weight() < 0) {
                errors.add(at + ".weight", "must not be negative, was " + destination.weight());
            }
            total += Math.max(0, destination.weight());
        }
        if (!route.isEmpty() && total == 0) {
            errors.add(path + ".route", "the weights must add up to more than zero");
        }
    }

    private static void match(Errors errors, String path, OutriggerProperties.Match match) {
        if (match.uri() != null) {
            stringMatch(errors, path + ".uri", match.uri(), false);
        }
        if (match.method() != null && !match.method().matches("[A-Z]+")) {
            errors.add(path + ".method", "'" + match.method() + "' is not an upper-case HTTP method");
        }
        match.headers().forEach((name, value) -> stringMatch(errors, path + ".headers." + name, value, true));
    }

    private static void stringMatch(Errors errors, String path, OutriggerProperties.StringMatch match, boolean presentAllowed) {
        int set = (match.exact() != null ? 1 : 0) + (match.prefix() != null ? 1 : 0) + (match.regex() != null ? 1 : 0)
                + (match.present() != null ? 1 : 0);
        String kinds = presentAllowed ? "exact, prefix, regex or present" : "exact, prefix or regex";
        if (set != 1 || !presentAllowed && match.present() != null) {
            errors.add(path, "exactly one of " + kinds + " must be set");
            return;
        }
        if (match.present() != null && !match.present()) {
            errors.add(path + ".present", "only 'present: true' is supported");
        }
        if (match.regex() != null) {
            try {
                Pattern.compile(match.regex());
            } catch (PatternSyntaxException e) {
                errors.add(path + ".regex", "invalid regular expression: " + e.getDescription() + " near index " + e.getIndex());
            }
        }
    }

    private static void retries(Errors errors, String path, OutriggerProperties.Retries retries) {
        if (retries.attempts() != null && retries.attempts() < 0) {
            errors.add(path + ".attempts", "must not be negative");
        }
        positive(errors, path + ".per-try-timeout", retries.perTryTimeout());
        if (retries.retryOn() != null) {
            try {
                RetryOn.parse(retries.retryOn(), retries.retriableStatusCodes());
            } catch (IllegalArgumentException e) {
                errors.add(path + ".retry-on", e.getMessage());
            }
        }
        for (int i = 0; i < retries.retriableStatusCodes().size(); i++) {
            Integer code = retries.retriableStatusCodes().get(i);
            if (code == null || code < 100 || code > 599) {
                errors.add(path + ".retriable-status-codes[" + i + "]", "not an HTTP status: " + code);
            }
        }
    }

    private static void fault(Errors errors, String path, OutriggerProperties.Fault fault) {
        if (fault.delay() != null) {
            percent(errors, path + ".delay.percent", fault.delay().percent());
            if (fault.delay().fixedDelay() == null) {
                errors.add(path + ".delay.fixed-delay", "is required");
            }
            positive(errors, path + ".delay.fixed-delay", fault.delay().fixedDelay());
        }
        if (fault.abort() != null) {
            percent(errors, path + ".abort.percent", fault.abort().percent());
            Integer status = fault.abort().httpStatus();
            if (status == null || status < 200 || status > 599) {
                errors.add(path + ".abort.http-status", "must be an HTTP status from 200 to 599, was " + status);
            }
        }
    }

    private static void headerNames(Errors errors, String path, OutriggerProperties.HeaderOperations operations) {
        List<String> names = new ArrayList<>(operations.set().keySet());
        names.addAll(operations.add().keySet());
        names.addAll(operations.remove());
        for (String name : names) {
            if (name == null || !name.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
                errors.add(path, "'" + name + "' is not a valid header name");
            }
        }
    }

    private static void percent(Errors errors, String path, double percent) {
        if (!(percent >= 0 && percent <= 100)) {
            errors.add(path, "must be between 0 and 100, was " + percent);
        }
    }

    private static void port(Errors errors, String path, int port, boolean zeroAllowed) {
        if (port < (zeroAllowed ? 0 : 1) || port > 65535) {
            errors.add(path, "not a TCP port: " + port);
        }
    }

    private static void positive(Errors errors, String path, Duration duration) {
        if (duration != null && (duration.isNegative() || duration.isZero())) {
            errors.add(path, "must be a positive duration, was " + duration);
        }
    }

    private static final class Errors {
        final List<String> list = new ArrayList<>();

        void add(String path, String message) {
            list.add(path + ": " + message);
        }
    }
}
