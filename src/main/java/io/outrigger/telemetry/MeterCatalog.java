package io.outrigger.telemetry;

/**
 * Every meter Outrigger publishes and every tag key, in one place. Names are Micrometer's dotted
 * form; the Prometheus page shows them with underscores, counters with {@code _total} and
 * histograms with their unit, e.g. {@code istio_request_duration_milliseconds_bucket}. Tag values
 * always come from bounded sets: config names, status codes, flags, the pod's own identity.
 */
public final class MeterCatalog {

    // Istio's standard request metrics, names and labels unchanged so its dashboards work.
    public static final String REQUESTS = "istio.requests";
    public static final String REQUEST_DURATION = "istio.request.duration";
    public static final String REQUEST_DURATION_UNIT = "milliseconds";
    public static final String REQUEST_BYTES = "istio.request.bytes";
    public static final String RESPONSE_BYTES = "istio.response.bytes";
    /** Upstream to downstream ("sent during response"), as Istio counts it. */
    public static final String TCP_SENT_BYTES = "istio.tcp.sent.bytes";
    /** Downstream to upstream ("received during request"). */
    public static final String TCP_RECEIVED_BYTES = "istio.tcp.received.bytes";
    public static final String TCP_OPENED = "istio.tcp.connections.opened";
    public static final String TCP_CLOSED = "istio.tcp.connections.closed";

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

    // Outrigger's own.
    public static final String CONFIG_RELOADS = "outrigger.config.reloads";          // {result}
    public static final String CONFIG_VERSION = "outrigger.config.version";
    public static final String ACTIVE_CONNECTIONS = "outrigger.listener.active.connections"; // {listener}
    public static final String RETRIES = "outrigger.upstream.retries";              // {cluster}
    public static final String OVERFLOWS = "outrigger.upstream.overflows";          // {cluster}
    public static final String EJECTIONS = "outrigger.upstream.ejections";          // {cluster}
    public static final String RETRIES_REFUSED = "outrigger.upstream.retries.refused"; // {cluster}
    public static final String ACCESS_LOG_DROPPED = "outrigger.access.log.dropped";
    public static final String REQUESTS_REJECTED = "outrigger.listener.rejected.requests"; // {listener, response_code}
    public static final String IDLE_TIMEOUTS = "outrigger.listener.idle.timeouts";     // {listener}
    public static final String CONNECTIONS_REFUSED = "outrigger.listener.refused.connections"; // {listener, reason}
    public static final String TLS_CERTIFICATE_EXPIRY = "outrigger.tls.certificate.expiry";
    public static final String TLS_HANDSHAKE_FAILURES = "outrigger.tls.handshake.failures"; // {direction}
    public static final String TLS_IDENTITY_LOADS = "outrigger.tls.identity.loads";        // {result}
    public static final String CONFIGMAP_WATCH_CONNECTED = "outrigger.config.watch.connected";
    public static final String CONFIGMAP_WATCH_FAILURES = "outrigger.config.watch.failures";

    public static final String RESULT = "result";
    public static final String LISTENER = "listener";
    public static final String CLUSTER = "cluster";

    /** The value of a label the sidecar cannot know, as in Istio. */
    public static final String UNKNOWN = "unknown";

    private MeterCatalog() {
    }
}
