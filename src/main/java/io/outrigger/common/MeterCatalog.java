package io.outrigger.common;

import java.util.List;
import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;

/**
 * Every meter Outrigger publishes, with its description and tag keys, and every tag key, in one place. Names are Micrometer's dotted
 * form; the Prometheus page shows them with underscores, counters with {@code _total} and
 * histograms with their unit, e.g. {@code istio_request_duration_milliseconds_bucket}. Tag values
 * always come from bounded sets: config names, status codes, flags, the pod's own identity.
 */
public final class MeterCatalog {

    /**
     * One meter: its name, the description Prometheus shows as HELP, its base unit (or null) and
     * the tag keys it carries. Builders start from here, so a meter is described in one place.
     */
    public record Meter(String name, String description, String baseUnit, List<String> tagKeys) {

        Meter(String name, String description, String baseUnit, String... tagKeys) {
            this(name, description, baseUnit, List.of(tagKeys));
        }

        public Counter.Builder counter() {
            return Counter.builder(name).description(description).baseUnit(baseUnit);
        }

        public <T> Gauge.Builder<T> gauge(T source, ToDoubleFunction<T> value) {
            return Gauge.builder(name, source, value).description(description).baseUnit(baseUnit);
        }

        public <T> FunctionCounter.Builder<T> functionCounter(T source, ToDoubleFunction<T> value) {
            return FunctionCounter.builder(name, source, value).description(description).baseUnit(baseUnit);
        }

        /** A timer with percentiles for Prometheus to aggregate (its histogram buckets). */
        public Timer.Builder timer() {
            return Timer.builder(name).description(description).publishPercentileHistogram();
        }

        /** A histogram with Istio's buckets. */
        public DistributionSummary.Builder histogram() {
            return DistributionSummary.builder(name).description(description).baseUnit(baseUnit)
                    .serviceLevelObjectives(ISTIO_BUCKETS);
        }
    }

    // Istio's standard metrics, names and labels unchanged so its dashboards work. Every one
    // carries the Istio labels below; request metrics add response_code and grpc_response_status.
    public static final Meter REQUESTS = new Meter("istio.requests", "Requests, by outcome", null, Tag.ISTIO_REQUEST);
    public static final Meter REQUEST_DURATION = new Meter("istio.request.duration", "Request duration", "milliseconds",
            Tag.ISTIO_REQUEST);
    public static final Meter REQUEST_BYTES = new Meter("istio.request.bytes", "Request body sizes", null, Tag.ISTIO_REQUEST);
    public static final Meter RESPONSE_BYTES = new Meter("istio.response.bytes", "Response body sizes", null, Tag.ISTIO_REQUEST);
    /** gRPC only, as in Istio: the messages of the request and response streams. */
    public static final Meter REQUEST_MESSAGES = new Meter("istio.request.messages", "gRPC messages the client sent", null,
            Tag.ISTIO_REQUEST);
    public static final Meter RESPONSE_MESSAGES = new Meter("istio.response.messages", "gRPC messages the client was sent",
            null, Tag.ISTIO_REQUEST);
    /** Upstream to downstream ("sent during response"), as Istio counts it. */
    public static final Meter TCP_SENT_BYTES = new Meter("istio.tcp.sent.bytes",
            "Bytes sent to the downstream (the response direction)", null, Tag.ISTIO_TCP);
    /** Downstream to upstream ("received during request"). */
    public static final Meter TCP_RECEIVED_BYTES = new Meter("istio.tcp.received.bytes",
            "Bytes received from the downstream (the request direction)", null, Tag.ISTIO_TCP);
    public static final Meter TCP_OPENED = new Meter("istio.tcp.connections.opened", "TCP connections opened", null, Tag.ISTIO_TCP);
    public static final Meter TCP_CLOSED = new Meter("istio.tcp.connections.closed", "TCP connections closed", null, Tag.ISTIO_TCP);

    /** Envoy's and so Istio's default histogram buckets, used for durations (ms) and sizes (bytes). */
    public static final double[] ISTIO_BUCKETS = {
        0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000,
    };

    public static final String REPORTER = "reporter";
    public static final String SOURCE_WORKLOAD = "source_workload";
    public static final String SOURCE_WORKLOAD_NAMESPACE = "source_workload_namespace";
    public static final String SOURCE_PRINCIPAL = "source_principal";
    public static final String DESTINATION_WORKLOAD = "destination_workload";
    public static final String DESTINATION_WORKLOAD_NAMESPACE = "destination_workload_namespace";
    public static final String DESTINATION_PRINCIPAL = "destination_principal";
    public static final String DESTINATION_SERVICE = "destination_service";
    public static final String DESTINATION_SERVICE_NAME = "destination_service_name";
    public static final String DESTINATION_SERVICE_NAMESPACE = "destination_service_namespace";
    public static final String DESTINATION_CLUSTER = "destination_cluster";
    public static final String REQUEST_PROTOCOL = "request_protocol";
    public static final String RESPONSE_CODE = "response_code";
    public static final String RESPONSE_FLAGS = "response_flags";
    public static final String CONNECTION_SECURITY_POLICY = "connection_security_policy";
    public static final String GRPC_RESPONSE_STATUS = "grpc_response_status";

    public static final String RESULT = "result";
    public static final String LISTENER = "listener";
    public static final String CLUSTER = "cluster";
    public static final String REASON = "reason";
    public static final String DIRECTION = "direction";

    // Outrigger's own.
    public static final Meter CONFIG_RELOADS = new Meter("outrigger.config.reloads",
            "Configuration reload attempts, by result", null, RESULT);
    public static final Meter CONFIG_VERSION = new Meter("outrigger.config.version",
            "Version of the live route-table snapshot (0: none loaded)", null);
    public static final Meter ACTIVE_CONNECTIONS = new Meter("outrigger.listener.active.connections",
            "Open downstream connections on a listener", null, LISTENER);
    public static final Meter RETRIES = new Meter("outrigger.upstream.retries",
            "Retries sent to a cluster, the keep-alive race retry included", null, CLUSTER);
    public static final Meter OVERFLOWS = new Meter("outrigger.upstream.overflows",
            "Requests refused because a cluster's connection pool was full", null, CLUSTER);
    public static final Meter EJECTIONS = new Meter("outrigger.upstream.ejections",
            "Endpoints ejected by outlier detection", null, CLUSTER);
    public static final Meter RETRIES_REFUSED = new Meter("outrigger.upstream.retries.refused",
            "Retries not made because the cluster's retry budget (20% of requests in flight, at least 3) was spent", null, CLUSTER);
    public static final Meter ACCESS_LOG_DROPPED = new Meter("outrigger.access.log.dropped",
            "Access-log lines dropped because stdout could not keep up", null);
    public static final Meter REQUESTS_REJECTED = new Meter("outrigger.listener.rejected.requests",
            "Requests the HTTP decoder refused, by the status they were answered with", null, LISTENER, RESPONSE_CODE);
    public static final Meter IDLE_TIMEOUTS = new Meter("outrigger.listener.idle.timeouts",
            "Keep-alive connections closed after idling for idle-timeout", null, LISTENER);
    public static final Meter CONNECTIONS_REFUSED = new Meter("outrigger.listener.refused.connections",
            "Connections refused before any proxying, by reason", null, LISTENER, REASON);
    public static final Meter HTTP2_CONNECTION_ERRORS = new Meter("outrigger.http2.connection.errors",
            "Downstream HTTP/2 connections closed with GOAWAY for what the client sent (a protocol error, a flood), by HTTP/2 error",
            null, LISTENER, REASON);
    public static final Meter TLS_CERTIFICATE_EXPIRY = new Meter("outrigger.tls.certificate.expiry",
            "When the pod's certificate expires, seconds since the epoch (0: none loaded)", "seconds");
    public static final Meter TLS_HANDSHAKE_FAILURES = new Meter("outrigger.tls.handshake.failures",
            "Failed mTLS handshakes", null, DIRECTION);
    public static final Meter TLS_IDENTITY_LOADS = new Meter("outrigger.tls.identity.loads",
            "Identity loads, at start and on rotation", null, RESULT);
    public static final Meter CONFIGMAP_WATCH_CONNECTED = new Meter("outrigger.config.watch.connected",
            "1 while the watch on the routes ConfigMap is open", null);
    public static final Meter CONFIGMAP_WATCH_FAILURES = new Meter("outrigger.config.watch.failures",
            "Failed lists of the routes ConfigMap and lost watches on it; each is retried with backoff", null);

    public static final String RESOURCE = "resource";
    public static final Meter DISCOVERY_SERVICES = new Meter("outrigger.discovery.services",
            "Kubernetes Services discovery knows (each port a cluster)", null);
    public static final Meter DISCOVERY_ENDPOINTS = new Meter("outrigger.discovery.endpoints",
            "Endpoints discovery feeds to the clusters in use, those taking traffic", null);
    public static final Meter DISCOVERY_WATCH_CONNECTED = new Meter("outrigger.discovery.watch.connected",
            "1 while every Service and EndpointSlice watch is open", null);
    public static final Meter DISCOVERY_WATCH_FAILURES = new Meter("outrigger.discovery.watch.failures",
            "Failed lists and lost watches of Services or EndpointSlices; each is retried, the endpoints known keep serving",
            null, RESOURCE);

    // The injector (outrigger injector): its admission reviews.
    public static final Meter INJECTOR_REVIEWS = new Meter("outrigger.injector.reviews",
            "Admission reviews answered, by result: injected, skipped, refused, allowed_unpatched, invalid", null, RESULT);
    public static final Meter INJECTOR_TEMPLATE_RELOADS = new Meter("outrigger.injector.template.reloads",
            "Loads of the injector's settings at start and on each change of its file, by result: applied, rejected", null, RESULT);
    public static final Meter INJECTOR_REVIEW_DURATION = new Meter("outrigger.injector.review.duration",
            "Time to answer one admission review", null);

    /** The tag keys meters share. */
    private static final class Tag {
        static final String[] ISTIO_TCP = {REPORTER, SOURCE_WORKLOAD, SOURCE_WORKLOAD_NAMESPACE, SOURCE_PRINCIPAL,
            DESTINATION_WORKLOAD, DESTINATION_WORKLOAD_NAMESPACE, DESTINATION_PRINCIPAL, DESTINATION_SERVICE,
            DESTINATION_SERVICE_NAME, DESTINATION_SERVICE_NAMESPACE, DESTINATION_CLUSTER, REQUEST_PROTOCOL, RESPONSE_FLAGS,
            CONNECTION_SECURITY_POLICY};
        static final String[] ISTIO_REQUEST = java.util.stream.Stream.concat(java.util.Arrays.stream(ISTIO_TCP),
                java.util.stream.Stream.of(RESPONSE_CODE, GRPC_RESPONSE_STATUS)).toArray(String[]::new);
    }

    /** The value of a label the sidecar cannot know, as in Istio. */
    public static final String UNKNOWN = "unknown";

    private MeterCatalog() {
    }
}
