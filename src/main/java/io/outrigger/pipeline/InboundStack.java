package io.outrigger.pipeline;

import java.util.ArrayList;
import java.util.List;

import io.outrigger.pipeline.headers.RequestIdFilter;
import io.outrigger.pipeline.peer.AuthorizationFilter;
import io.outrigger.pipeline.peer.ClientCertHeaderFilter;
import io.outrigger.pipeline.retry.Backoff;
import io.outrigger.pipeline.route.InboundRouteFilter;
import io.outrigger.pipeline.telemetry.TelemetryFilter;
import io.outrigger.pipeline.upstream.UpstreamFilter;
import io.outrigger.telemetry.AccessLog;
import io.outrigger.telemetry.RequestMetrics;
import io.outrigger.tls.MutualTls;

/**
 * The inbound request path, top to bottom: what happens to a request on its way into the
 * application. This list is the only place its order is written.
 */
public final class InboundStack {

    private InboundStack() {
    }

    public static ProxyFilterChain build(AccessLog accessLog, RequestMetrics metrics, List<ProxyFilter> userFilters,
            MutualTls mtls) {
        List<ProxyFilter> layers = new ArrayList<>();
        layers.add(new TelemetryFilter(accessLog, metrics)); // outermost: counts and logs every outcome
        layers.add(new RequestTargetFilter());        // a target no proxy forwards: 400
        layers.add(new RequestIdFilter());            // x-request-id kept or generated
        layers.add(new InboundRouteFilter());         // to the local application
        layers.add(new AuthorizationFilter());        // the caller's SPIFFE ID against allow-principals: 403 RBAC
        layers.add(new ClientCertHeaderFilter(mtls)); // x-forwarded-client-cert: the caller, as verified
        layers.addAll(userFilters);                   // user filters: Spring beans implementing ProxyFilter
        layers.add(new UpstreamFilter(Backoff.DEFAULT)); // connect-failure retries, relays the response
        return ProxyFilterChain.of(layers);
    }
}
