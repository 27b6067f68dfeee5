package bench.floor;

import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.FastThreadLocal;

/**
 * A plain Netty HTTP/1.1 client to one upstream: each event loop keeps a stack of idle
 * keep-alive connections (most recently used first) and opens one when none is idle. One
 * exchange at a time per connection; a connection that closes mid-exchange fails it.
 */
final class NettyUpstream {

    /** Where a response, or the failure to get one, goes. Called on the connection's loop. */
    interface Exchange {
        void response(FullHttpResponse response);

        void failed(Throwable cause);
    }

    private static final AttributeKey<Exchange> EXCHANGE = AttributeKey.valueOf("floor.exchange");

    private final Bootstrap bootstrap;
    private final FastThreadLocal<ArrayDeque<Channel>> idle = new FastThreadLocal<>() {
        @Override
        protected ArrayDeque<Channel> initialValue() {
            return new ArrayDeque<>();
        }
    };

    NettyUpstream(String host, int port) {
        this.bootstrap = new Bootstrap().channel(EpollSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .remoteAddress(host, port)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        channel.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 20), new Responses());
                    }
                });
    }

    /** Sends {@code request} (its ownership passes here) from {@code loop}, the caller's own loop. */
    void send(EventLoop loop, FullHttpRequest request, Exchange exchange) {
        ArrayDeque<Channel> connections = idle.get();
        Channel channel;
        while ((channel = connections.pollFirst()) != null) {
            if (channel.isActive()) {
                write(channel, request, exchange);
                return;
            }
        }
        ChannelFuture connect = bootstrap.clone(loop).connect();
        connect.addListener(done -> {
            if (done.isSuccess()) {
                write(connect.channel(), request, exchange);
            } else {
                request.release();
                exchange.failed(done.cause());
            }
        });
    }

    private static void write(Channel channel, FullHttpRequest request, Exchange exchange) {
        channel.attr(EXCHANGE).set(exchange);
        channel.writeAndFlush(request).addListener(done -> {
            if (!done.isSuccess()) {
                channel.close();   // fails the exchange through channelInactive
            }
        });
    }

    private final class Responses extends SimpleChannelInboundHandler<FullHttpResponse> {

        Responses() {
            super(false);   // the response passes to the exchange
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
            Exchange exchange = ctx.channel().attr(EXCHANGE).getAndSet(null);
            if (HttpUtil.isKeepAlive(response)) {
                idle.get().addFirst(ctx.channel());
            } else {
                ctx.close();
            }
            if (exchange != null) {
                exchange.response(response);
            } else {
                response.release();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            Exchange exchange = ctx.channel().attr(EXCHANGE).getAndSet(null);
            if (exchange != null) {
                exchange.failed(new ClosedChannelException());
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
