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
    private final Outlier outlier = new Outlier();

    /** Outlier-detection state: errors in a row, and whether (and how often) it has been ejected. */
    static final class Outlier {
        final AtomicInteger consecutive5xx = new AtomicInteger();
        final AtomicInteger consecutiveGateway = new AtomicInteger();
        volatile long ejectedUntil;   // epoch millis; 0 when not ejected
        volatile int ejections;       // the multiplier of the next ejection's length

        boolean isEjected() {
            return ejectedUntil != 0;
        }
    }

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

    Outlier outlier() {
        return outlier;
    }

    /** Whether outlier detection has ejected it (the balancer passes it by). */
    public boolean ejected() {
        return outlier.isEjected();
    }

    /** When its ejection ends, epoch millis; 0 when it is not ejected. */
    public long ejectedUntil() {
        return outlier.ejectedUntil;
    }

    /** How many times in a row it has been ejected, lately (the next ejection's multiplier). */
    public int ejections() {
        return outlier.ejections;
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
