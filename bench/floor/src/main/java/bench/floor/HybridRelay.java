package bench.floor;

import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.util.ReferenceCountUtil;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.LoopResources;

/**
 * Reactor Netty's {@code HttpServer} in front, as Outrigger's listeners are, and the plain Netty
 * client of {@link NettyUpstream} behind it instead of Reactor Netty's {@code HttpClient}.
 */
final class HybridRelay {

    private HybridRelay() {
    }

    static void run(int port, String upstreamHost, int upstreamPort) {
        LoopResources loops = LoopResources.create("floor", 1, 1, true);
        NettyUpstream upstream = new NettyUpstream(upstreamHost, upstreamPort);
        HttpServer.create().host("127.0.0.1").port(port).runOn(loops)
                .handle((request, response) -> Mono.<FullHttpResponse>create(sink -> {
                            DefaultFullHttpRequest out = new DefaultFullHttpRequest(request.version(), request.method(), request.uri());
                            out.headers().set(request.requestHeaders()).remove(HttpHeaderNames.CONNECTION);   // hop-by-hop
                            upstream.send(((Connection) request).channel().eventLoop(), out, new NettyUpstream.Exchange() {
                                @Override
                                public void response(FullHttpResponse answer) {
                                    sink.success(answer);
                                }

                                @Override
                                public void failed(Throwable cause) {
                                    sink.error(cause);
                                }
                            });
                        })
                        .doOnDiscard(FullHttpResponse.class, ReferenceCountUtil::release)
                        .flatMap(answer -> {
                            response.status(answer.status());
                            response.headers(answer.headers().remove(HttpHeaderNames.CONNECTION));
                            return response.send(Mono.just(answer.content())).then();
                        }))
                .bindNow().onDispose().block();
    }
}
