package io.outrigger.pipeline.route;

import java.net.InetSocketAddress;

import io.outrigger.common.ResponseFlag;
import io.outrigger.pipeline.LocalReply;
import io.outrigger.pipeline.ProxyExchange;
import io.outrigger.pipeline.ProxyFilter;
import io.outrigger.pipeline.ProxyFilterChain;
import io.outrigger.routing.Route;
import io.outrigger.snapshot.Snapshot;
import reactor.core.publisher.Mono;

/**
 * Outbound routing: the first route of the snapshot's table that matches the request's
 * authority, path, method and headers, then one of its clusters by weight. An unmatched request
 * that iptables redirected goes to its original destination ({@code outbound.mode: allow-any}, the
 * default; Istio's PassthroughCluster), and otherwise gets 502 {@code NR}.
 */
public final class RouteFilter implements ProxyFilter {

    @Override
    public Mono<Void> filter(ProxyExchange exchange, ProxyFilterChain chain) {
        Snapshot snapshot = exchange.snapshot();
        if (snapshot == null) {
            return LocalReply.send(exchange, 502, ResponseFlag.NR, "no route: no valid configuration has been loaded");
        }
        Route route = snapshot.outbound().find(exchange.authority(), exchange.method(), exchange.path(),
                exchange.requestHeaders());
        InetSocketAddress original = exchange.originalDestination();
        if (route == null) {
            // No route: a discovered Service the host names, as Istio reaches Services with no config.
            route = snapshot.services().find(exchange.authority(), original == null ? -1 : original.getPort());
        }
        if (route == null) {
            // Or the Service whose ClusterIP and port the application connected to.
            route = snapshot.services().at(original);
        }
        if (route == null) {
            if (original == null || snapshot.registryOnly()) {
                return LocalReply.send(exchange, 502, ResponseFlag.NR, "no route matched " + describe(exchange));
            }
            // allow-any: a redirected request no route claims goes where the application sent it.
            exchange.route(snapshot.passthrough());
            exchange.cluster(snapshot.passthrough().destinations().choose());
            exchange.upstreamAddress(original);
            return chain.filter(exchange);
        }
        exchange.route(route);
        exchange.cluster(route.destinations().choose());
        // A headless Service's pod, as the client chose it: that endpoint, for every attempt; a
        // pod that is not (or no longer) one of its endpoints is balanced over those that are.
        exchange.pinnedEndpoint(snapshot.services().pinned(route, original));
        return chain.filter(exchange);
    }

    private static String describe(ProxyExchange exchange) {
        String authority = exchange.authority();
        return authority == null ? "a request without a Host header" : "host '" + authority + "'";
    }
}
