package io.outrigger.listener;

import io.micrometer.core.instrument.Counter;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import reactor.netty.NettyPipeline;

/**
 * Counts keep-alive connections closed for idling longer than {@code idle-timeout} (Envoy's
 * {@code downstream_cx_idle_timeout}). Reactor Netty's idle handler closes the connection itself
 * and then passes its event on; this handler, after the HTTP codec, sees that event. Only the
 * idle handler raises {@link IdleStateEvent}s on an HTTP connection, and only between requests.
 */
@ChannelHandler.Sharable
final class IdleTimeouts extends ChannelInboundHandlerAdapter {

    private final Counter closes;

    IdleTimeouts(Counter closes) {
        this.closes = closes;
    }

    void install(ChannelPipeline pipeline) {
        if (pipeline.get(NettyPipeline.HttpCodec) != null) {
            pipeline.addAfter(NettyPipeline.HttpCodec, "outrigger.idle-timeouts", this);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof IdleStateEvent idle && idle.state() == IdleState.ALL_IDLE) {
            closes.increment();
        }
        ctx.fireUserEventTriggered(event);
    }
}
