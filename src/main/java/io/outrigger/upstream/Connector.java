package io.outrigger.upstream;

import java.net.InetSocketAddress;
import java.util.function.BiConsumer;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.ssl.SslHandler;

/**
 * Opens upstream connections: TCP (no Nagle), then the {@link ConnectionSecurity}'s handshake
 * if it added one, within the connect timeout; then HTTP/1.1 codec and {@link UpstreamConnection}.
 */
final class Connector {

    /** Response heads up to this size; a larger one is a protocol error (502). */
    static final int MAX_RESPONSE_HEADERS = 64 * 1024;

    private final Class<? extends Channel> channelType;
    private final int connectTimeoutMillis;
    private final ConnectionSecurity security;
    private final HttpDecoderConfig decoder = new HttpDecoderConfig().setMaxHeaderSize(MAX_RESPONSE_HEADERS);

    Connector(Class<? extends Channel> channelType, java.time.Duration connectTimeout, ConnectionSecurity security) {
        this.channelType = channelType;
        this.connectTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis());
        this.security = security;
    }

    /** Connects on {@code loop}; {@code done} gets the connection, or the reason there is none. */
    void connect(EventLoop loop, InetSocketAddress address, ConnectionPool pool,
            BiConsumer<UpstreamConnection, Throwable> done) {
        UpstreamConnection connection = new UpstreamConnection(pool);
        long start = System.nanoTime();
        ChannelFuture connect = new Bootstrap().group(loop).channel(channelType)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        security.secure(channel, address);
                        channel.pipeline().addLast(new HttpClientCodec(decoder, false, false), connection);
                    }
                })
                .connect(address);
        connect.addListener(connected -> {
            if (!connected.isSuccess()) {
                done.accept(null, connected.cause());
                return;
            }
            SslHandler tls = connect.channel().pipeline().get(SslHandler.class);
            if (tls == null) {
                done.accept(connection, null);
                return;
            }
            // The handshake has what is left of the connect timeout, not a fresh one.
            long spentMillis = (System.nanoTime() - start) / 1_000_000;
            tls.setHandshakeTimeoutMillis(Math.max(1, connectTimeoutMillis - spentMillis));
            tls.handshakeFuture().addListener(handshake -> {
                if (handshake.isSuccess()) {
                    done.accept(connection, null);
                } else {
                    connect.channel().close();
                    done.accept(null, handshake.cause());
                }
            });
        });
    }
}
