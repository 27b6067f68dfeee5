package io.outrigger.cluster;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

import reactor.netty.http.client.HttpClient;

/**
 * One resolved upstream address of a cluster, with its own pre-configured client (so a request
 * does not rebuild client configuration) and its count of requests in flight.
 */
public final class Endpoint {

    private final InetSocketAddress address;
    private final String label;
    private final HttpClient client;
    private final AtomicInteger active = new AtomicInteger();

    Endpoint(InetSocketAddress address, HttpClient clusterClient) {
        this.address = address;
        this.label = address.getAddress().getHostAddress() + ":" + address.getPort();
        this.client = clusterClient.remoteAddress(() -> address);
    }

    public InetSocketAddress address() {
        return address;
    }

    /** {@code ip:port}, as the access log and admin endpoints show it. */
    public String label() {
        return label;
    }

    public HttpClient client() {
        return client;
    }

    public int activeRequests() {
        return active.get();
    }

    public void requestStarted() {
        active.incrementAndGet();
    }

    public void requestFinished() {
        active.decrementAndGet();
    }

    @Override
    public String toString() {
        return label;
    }
}
