package io.outrigger.cluster;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

import reactor.netty.http.client.HttpClient;

/**
 * One resolved upstream address of a cluster, with a pre-configured client per event loop (so a
 * request neither rebuilds client configuration nor leaves its loop) and its requests in flight.
 */
public final class Endpoint {

    private final InetSocketAddress address;
    private final String label;
    private final HttpClient[] clients;
    private final AtomicInteger active = new AtomicInteger();

    Endpoint(InetSocketAddress address, HttpClient[] perLoopClients) {
        this.address = address;
        this.label = address.getAddress().getHostAddress() + ":" + address.getPort();
        this.clients = new HttpClient[perLoopClients.length];
        for (int i = 0; i < clients.length; i++) {
            clients[i] = perLoopClients[i].remoteAddress(() -> address);
        }
    }

    public InetSocketAddress address() {
        return address;
    }

    /** {@code ip:port}, as the access log and admin endpoints show it. */
    public String label() {
        return label;
    }

    /** The client whose connections live on event loop {@code loop}. */
    public HttpClient client(int loop) {
        return clients[loop];
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
