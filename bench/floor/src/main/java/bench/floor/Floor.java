package bench.floor;

import io.netty.channel.epoll.Epoll;

/**
 * The least an HTTP/1.1 keep-alive relay costs on each of the stacks a sidecar could be built
 * on, with the sidecar's own choices (one event loop, the upstream connection on the
 * downstream's loop, a pool of keep-alive connections, small bodies sent with their head) and
 * nothing else: no routing, filters, metrics, limits or timeouts. bench/compare runs them as
 * the targets {@code netty-floor}, {@code hybrid-floor} and {@code reactor-netty-floor}.
 *
 *   java -jar bench-floor.jar netty|hybrid|reactor-netty PORT UPSTREAM_HOST:PORT
 */
public final class Floor {

    private Floor() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: bench-floor netty|hybrid|reactor-netty PORT UPSTREAM_HOST:PORT");
            System.exit(2);
        }
        if (!Epoll.isAvailable()) {
            throw new IllegalStateException("the epoll transport does not load", Epoll.unavailabilityCause());
        }
        int port = Integer.parseInt(args[1]);
        int colon = args[2].lastIndexOf(':');
        String host = args[2].substring(0, colon);
        int upstreamPort = Integer.parseInt(args[2].substring(colon + 1));
        switch (args[0]) {
            case "netty" -> NettyRelay.run(port, host, upstreamPort);
            case "hybrid" -> HybridRelay.run(port, host, upstreamPort);
            case "reactor-netty" -> ReactorNettyRelay.run(port, host, upstreamPort);
            default -> throw new IllegalArgumentException("no relay named " + args[0]);
        }
    }
}
