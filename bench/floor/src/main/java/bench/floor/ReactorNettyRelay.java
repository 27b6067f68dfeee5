package bench.floor;

import java.net.InetSocketAddress;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

/**
 * Reactor Netty on both sides, configured as Outrigger configures it: {@code HttpServer}, and an
 * {@code HttpClient} with its own {@code ConnectionProvider} on the same loops, retries and
 * redirects off, the request's headers copied once, a small body read whole and sent with its head.
 */
final class ReactorNettyRelay {

    private ReactorNettyRelay() {
    }

    static void run(int port, String upstreamHost, int upstreamPort) {
        LoopResources loops = LoopResources.create("floor", 1, 1, true);
        InetSocketAddress upstream = new InetSocketAddress(upstreamHost, upstreamPort);
        ConnectionProvider pool = ConnectionProvider.builder("floor").maxConnections(512).build();
        HttpClient client = HttpClient.create(pool).runOn(loops).disableRetry(true).followRedirect(false)
                .remoteAddress(() -> upstream);
        HttpServer.create().host("127.0.0.1").port(port).runOn(loops)
                .handle((request, response) -> client.request(request.method()).uri(request.uri())
                        .send((upstreamRequest, outbound) -> {
                            HttpHeaders headers = upstreamRequest.requestHeaders();
                            headers.clear();
                            headers.add(request.requestHeaders()).remove(HttpHeaderNames.CONNECTION);   // hop-by-hop
                            return outbound;
                        })
                        .responseSingle((answer, body) -> {
                            response.status(answer.status());
                            response.headers(answer.responseHeaders().remove(HttpHeaderNames.CONNECTION));
                            return response.send(body.retain()).then();
                        }))
                .bindNow().onDispose().block();
    }
}
