package io.outrigger.testing;

import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.resources.LoopResources;

/**
 * A real HTTP server on a loopback ephemeral port, standing in for an application or a remote
 * service. It records every request it receives; by default it answers 200 with a body naming
 * itself.
 */
public final class TestUpstream implements AutoCloseable {

    /** What the upstream saw of one request. */
    public record Seen(String method, String uri, HttpHeaders headers, String protocol) {
    }

    private final String name;
    private final DisposableServer server;
    // Its own event loop, not Reactor Netty's global ones: a sidecar that closes in this JVM
    // disposes the global resources, which must not take other tests' upstreams with it.
    private final LoopResources loop;
    private final AtomicInteger requests = new AtomicInteger();
    private final ConcurrentLinkedQueue<Seen> seen = new ConcurrentLinkedQueue<>();
    private volatile BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> handler;

    private TestUpstream(String name, String host, HttpProtocol... protocols) {
        this(name, host, 0, protocols);
    }

    private TestUpstream(String name, String host, int maxStreams, HttpProtocol... protocols) {
        this.name = name;
        this.handler = (request, response) -> response.header("x-upstream", name).sendString(Mono.just(name));
        this.loop = LoopResources.create("test-upstream-" + name, 1, true);
        this.server = HttpServer.create()
                .runOn(loop)
                .host(host)
                .port(0)
                .protocol(protocols)
                .http2Settings(settings -> {
                    if (maxStreams > 0) {
                        settings.maxConcurrentStreams(maxStreams);
                    }
                })
                .handle((request, response) -> {
                    requests.incrementAndGet();
                    seen.add(new Seen(request.method().name(), request.uri(),
                            new DefaultHttpHeaders().add(request.requestHeaders()), request.protocol()));
                    return handler.apply(request, response);
                })
                .bindNow(Duration.ofSeconds(10));
    }

    public static TestUpstream start(String name) {
        return new TestUpstream(name, "127.0.0.1", HttpProtocol.HTTP11);
    }

    /** Speaking HTTP/1.1 and HTTP/2 with prior knowledge (h2c). */
    public static TestUpstream startH2c(String name) {
        return new TestUpstream(name, "127.0.0.1", HttpProtocol.HTTP11, HttpProtocol.H2C);
    }

    /** h2c allowing a client at most {@code maxStreams} streams at once on a connection. */
    public static TestUpstream startH2c(String name, int maxStreams) {
        return new TestUpstream(name, "127.0.0.1", maxStreams, HttpProtocol.HTTP11, HttpProtocol.H2C);
    }

    /** On another local address, such as a test host's (198.18.0.0/15). */
    public static TestUpstream start(String name, String host) {
        return new TestUpstream(name, host, HttpProtocol.HTTP11);
    }

    public TestUpstream handler(BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> handler) {
        this.handler = handler;
        return this;
    }

    public int port() {
        return server.port();
    }

    public String endpoint() {
        return ((java.net.InetSocketAddress) server.address()).getAddress().getHostAddress() + ":" + port();
    }

    public String name() {
        return name;
    }

    public int requests() {
        return requests.get();
    }

    public Seen last() {
        Seen last = null;
        for (Seen s : seen) {
            last = s;
        }
        return last;
    }

    public void reset() {
        requests.set(0);
        seen.clear();
    }

    @Override
    public void close() {
        server.disposeNow(Duration.ofSeconds(5));
        loop.disposeLater(Duration.ZERO, Duration.ofSeconds(5)).block();
    }
}
