package io.outrigger.routing;

import java.time.Duration;
import java.util.Map;

import io.netty.handler.codec.http.HttpHeaders;
import io.outrigger.cluster.Cluster;
import io.outrigger.config.OutriggerProperties;
import io.outrigger.pipeline.fault.FaultPolicy;
import io.outrigger.pipeline.headers.HeaderRules;
import io.outrigger.pipeline.retry.RetryPolicy;

/**
 * A compiled route: its matchers, destinations and the policies the pipeline applies to the
 * requests it takes. Immutable; built with the snapshot, never per request.
 */
public final class Route {

    private final String name;
    private final RequestMatcher[] matchers;
    private final WeightedClusters destinations;
    private final Duration timeout;
    private final RetryPolicy retryPolicy;
    private final FaultPolicy fault;
    private final HeaderRules requestHeaders;
    private final HeaderRules responseHeaders;

    private Route(String name, RequestMatcher[] matchers, WeightedClusters destinations, Duration timeout,
            RetryPolicy retryPolicy, FaultPolicy fault, HeaderRules requestHeaders, HeaderRules responseHeaders) {
        this.name = name;
        this.matchers = matchers;
        this.destinations = destinations;
        this.timeout = timeout;
        this.retryPolicy = retryPolicy;
        this.fault = fault;
        this.requestHeaders = requestHeaders;
        this.responseHeaders = responseHeaders;
    }

    static Route compile(OutriggerProperties.Route config, Map<String, Cluster> clusters) {
        RequestMatcher[] matchers = config.match().isEmpty()
                ? new RequestMatcher[] {RequestMatcher.ANY}
                : config.match().stream().map(RequestMatcher::compile).toArray(RequestMatcher[]::new);
        return new Route(config.name(), matchers, WeightedClusters.compile(config.route(), clusters),
                config.timeout(), RetryPolicy.compile(config.retries()), FaultPolicy.compile(config.fault()),
                HeaderRules.compile(config.headers().request()), HeaderRules.compile(config.headers().response()));
    }

    /** A route that sends every request to one cluster, with no other policy than retries. */
    public static Route direct(String name, Cluster cluster, RetryPolicy retryPolicy) {
        return new Route(name, new RequestMatcher[] {RequestMatcher.ANY}, WeightedClusters.single(cluster), null,
                retryPolicy, null, null, null);
    }

    /** Whether any of the route's match entries holds; {@code path} excludes the query string. */
    boolean matches(String method, String path, HttpHeaders headers) {
        for (RequestMatcher matcher : matchers) {
            if (matcher.matches(method, path, headers)) {
                return true;
            }
        }
        return false;
    }

    public String name() {
        return name;
    }

    public WeightedClusters destinations() {
        return destinations;
    }

    /** The limit for the whole request, all tries included, or null for none. */
    public Duration timeout() {
        return timeout;
    }

    public RetryPolicy retryPolicy() {
        return retryPolicy;
    }

    /** Null when the route injects no fault. */
    public FaultPolicy fault() {
        return fault;
    }

    /** Null when the route has no request header rules. */
    public HeaderRules requestHeaders() {
        return requestHeaders;
    }

    /** Null when the route has no response header rules. */
    public HeaderRules responseHeaders() {
        return responseHeaders;
    }
}
