package io.outrigger.upstream;

import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * An upstream connection that answered 101 Switching Protocols: it has left HTTP and its pool's
 * reuse for good, and waits, not reading, for its tunnel to take it over. It stands in for the
 * {@link UpstreamConnection} in the pipeline and keeps what the upstream sent right after its 101
 * (a WebSocket server may speak first). It stays counted among its pool's connections until it
 * closes. Confined to its event loop.
 */
public final class SwitchedConnection extends ChannelInboundHandlerAdapter {

    private final ConnectionOwner pool;
    private final UpstreamConnection connection;
    private List<ByteBuf> early = new ArrayList<>(1);
    private boolean taken;

    private SwitchedConnection(ConnectionOwner pool, UpstreamConnection connection) {
        this.pool = pool;
        this.connection = connection;
    }

    /** Takes {@code connection}'s place in the pipeline, reading nothing more until taken over. */
    static SwitchedConnection replace(ChannelHandlerContext ctx, ConnectionOwner pool, UpstreamConnection connection) {
        ctx.channel().config().setAutoRead(false);
        SwitchedConnection switched = new SwitchedConnection(pool, connection);
        ctx.pipeline().replace(ctx.handler(), null, switched);
        return switched;
    }

    /**
     * Hands the connection over: its HTTP codec goes (what it still held comes here first), the
     * bytes kept so far are added to {@code early}, and from here the caller owns the channel.
     */
    public Channel takeOver(List<ByteBuf> early) {
        Channel channel = connection.channel();
        taken = true;
        if (channel.pipeline().get(HttpClientCodec.class) != null) {
            channel.pipeline().remove(HttpClientCodec.class);
        }
        early.addAll(this.early);
        this.early = null;
        if (channel.pipeline().context(this) != null) {
            channel.pipeline().remove(this);
        }
        channel.closeFuture().addListener(closed -> pool.closed(connection));
        return channel;
    }

    /** Nobody will take it over (the client left first): it closes. */
    public void abandon() {
        if (!taken) {
            taken = true;
            connection.channel().close();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf bytes = msg instanceof ByteBuf buffer ? buffer
                : msg instanceof HttpContent content ? content.content() : null;
        if (bytes != null && bytes.isReadable() && early != null) {
            early.add(bytes);
        } else {
            ReferenceCountUtil.release(msg);   // the empty end of the 101's HTTP message, or nothing to keep
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (early != null) {
            early.forEach(ByteBuf::release);
            early.clear();
        }
        pool.closed(connection);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
