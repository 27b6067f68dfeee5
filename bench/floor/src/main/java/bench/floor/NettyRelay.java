package bench.floor;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;

/** Plain Netty on both sides: the request as decoded goes upstream, the response as decoded comes back. */
final class NettyRelay {

    private NettyRelay() {
    }

    static void run(int port, String upstreamHost, int upstreamPort) throws InterruptedException {
        EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        NettyUpstream upstream = new NettyUpstream(upstreamHost, upstreamPort);
        new ServerBootstrap().group(loop).channel(EpollServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        channel.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20), new Requests(upstream));
                    }
                })
                .bind("127.0.0.1", port).sync().channel().closeFuture().sync();
    }

    private static final class Requests extends SimpleChannelInboundHandler<FullHttpRequest> {

        private final NettyUpstream upstream;

        Requests(NettyUpstream upstream) {
            super(false);   // the request passes upstream
            this.upstream = upstream;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            // Connection is hop-by-hop: the client's "close" ends this connection, not the pooled one.
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            request.headers().remove(HttpHeaderNames.CONNECTION);
            upstream.send(ctx.channel().eventLoop(), request, new NettyUpstream.Exchange() {
                @Override
                public void response(FullHttpResponse response) {
                    response.headers().remove(HttpHeaderNames.CONNECTION);
                    if (keepAlive) {
                        ctx.writeAndFlush(response);
                    } else {
                        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
                    }
                }

                @Override
                public void failed(Throwable cause) {
                    FullHttpResponse bad = new DefaultFullHttpResponse(request.protocolVersion(), HttpResponseStatus.BAD_GATEWAY);
                    bad.headers().setInt("content-length", 0);
                    ctx.writeAndFlush(bad).addListener(ChannelFutureListener.CLOSE);
                }
            });
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
