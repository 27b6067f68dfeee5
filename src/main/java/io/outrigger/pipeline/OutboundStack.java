package io.outrigger.pipeline;

import java.util.ArrayList;
import java.util.List;

import io.outrigger.pipeline.fault.FaultFilter;
import io.outrigger.pipeline.fault.FaultPolicy;
import io.outrigger.pipeline.headers.HeaderRules;
import io.outrigger.pipeline.headers.HeaderRulesFilter;
import io.outrigger.pipeline.headers.RequestIdFilter;
import io.outrigger.pipeline.retry.Backoff;
import io.outrigger.pipeline.retry.RetryPolicy;
import io.outrigger.pipeline.route.RouteFilter;
import io.outrigger.pipeline.telemetry.TelemetryFilter;
import io.outrigger.pipeline.upstream.UpstreamFilter;
import io.outrigger.routing.RoutePolicy;
import io.outrigger.telemetry.AccessLog;
import io.outrigger.telemetry.RequestMetrics;

/**
 * The outbound request path, top to bottom: what happens to a request the application sends.
 * This list is the only place its order is written.
 */
public final class OutboundStack {

    private OutboundStack() {
    }

    /**
     * The policies the outbound filters compile for each route, in the order their problems are
     * reported. A filter with a policy of its own adds it here, beside its place in the stack.
     */
    public static final List<RoutePolicy<?>> ROUTE_POLICIES =
            List.of(RetryPolicy.ROUTE, FaultPolicy.ROUTE, HeaderRules.REQUEST, HeaderRules.RESPONSE);

    public static ProxyFilterChain build(AccessLog accessLog, RequestMetrics metrics, List<ProxyFilter> userFilters) {
        List<ProxyFilter> layers = new ArrayList<>();
        layers.add(new TelemetryFilter(accessLog, metrics)); // outermost: counts and logs every outcome
        layers.add(new RequestTargetFilter());        // a target no proxy forwards: 400
        layers.add(new RequestIdFilter());            // x-request-id kept or generated
        layers.add(new RouteFilter());                // route by authority, path, method, headers; 502 NR if none
        layers.add(new FaultFilter());                // the route's injected delay and abort
        layers.add(new HeaderRulesFilter());          // the route's request and response header rules
        layers.addAll(userFilters);                   // user filters: Spring beans implementing ProxyFilter
        layers.add(new UpstreamFilter(Backoff.DEFAULT)); // tries with retries and timeouts, relays the response
        return ProxyFilterChain.of(layers);
    }
}
