package io.outrigger.upstream;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;

/**
 * Opens upstream connections: TCP (no Nagle), then the {@link ConnectionSecurity}'s handshake
 * if it added one, within the connect timeout; then the HTTP/1.1 codec and {@link UpstreamConnection},
 * or the HTTP/2 codec and {@link Http2Connection}.
 */
final class Connector {

    /** Response heads up to this size; a larger one is a protocol error (502). */
    static final int MAX_RESPONSE_HEADERS = 64 * 1024;
    /** Each upstream HTTP/2 stream's receive window: a response streams without waiting on credit. */
    static final int STREAM_WINDOW = 1024 * 1024;

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
        open(loop, address, channel -> {
            security.secure(channel, address);
            channel.pipeline().addLast(new HttpClientCodec(decoder, false, false), connection);
        }, connection, done);
    }

    /**
     * Connects an HTTP/2 connection (prior knowledge, or inside the security's TLS): Netty's frame
     * codec, the multiplexer (pushed streams refused) and {@link Http2Connection}.
     */
    void connectHttp2(EventLoop loop, InetSocketAddress address, Http2Pool pool,
            BiConsumer<Http2Connection, Throwable> done) {
        Http2Connection connection = new Http2Connection(pool);
        long idleMillis = pool.limits().idleTimeout().toMillis();
        open(loop, address, channel -> {
            security.secureHttp2(channel, address);   // ALPN h2, where there is TLS
            channel.pipeline().addLast(
                    new IdleStateHandler(idleMillis, 0, 0, TimeUnit.MILLISECONDS),   // reads only: no listener per write
                    Http2FrameCodecBuilder.forClient()
                            .initialSettings(Http2Settings.defaultSettings().pushEnabled(false)
                                    .maxHeaderListSize(MAX_RESPONSE_HEADERS).initialWindowSize(STREAM_WINDOW))
                            .validateHeaders(true)
                            .build(),
                    new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()),
                    connection);
        }, connection, (made, error) -> {
            if (error != null) {
                done.accept(null, error);
            } else {
                // Once the peer's SETTINGS have come, which is also after the codec sent its
                // preface (a connect promise is told before the pipeline learns the channel is
                // active, and the preface must go before the first stream's HEADERS).
                made.whenSettled(done);
            }
        });
    }

    private <C> void open(EventLoop loop, InetSocketAddress address, Consumer<Channel> pipeline, C connection,
            BiConsumer<C, Throwable> done) {
        long start = System.nanoTime();
        ChannelFuture connect = new Bootstrap().group(loop).channel(channelType)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        pipeline.accept(channel);
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
