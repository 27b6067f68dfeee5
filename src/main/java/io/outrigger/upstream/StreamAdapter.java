package io.outrigger.upstream;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.ReferenceCountUtil;

/**
 * Between an upstream stream's HTTP/2-to-HTTP/1.1 codec and its {@link UpstreamConnection}: drops
 * the codec's own {@code x-http2-stream-id} from response heads (it is not the upstream's), and
 * turns a refusal (RST_STREAM {@code REFUSED_STREAM}, or a GOAWAY that leaves this stream out)
 * into a failure the retry rules know is safe: the upstream processed nothing.
 */
final class StreamAdapter extends ChannelInboundHandlerAdapter {

    private final UpstreamConnection stream;

    StreamAdapter(UpstreamConnection stream) {
        this.stream = stream;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpResponse head) {
            head.headers().remove(HttpConversionUtil.ExtensionHeaderNames.STREAM_ID.text());
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        try {
            if (event instanceof Http2ResetFrame reset && reset.errorCode() == Http2Error.REFUSED_STREAM.code()) {
                stream.refused("the upstream refused the stream (REFUSED_STREAM)");
            } else if (event instanceof Http2GoAwayFrame) {
                stream.refused("the upstream is going away (GOAWAY) and will not process this stream");
            }
        } finally {
            ReferenceCountUtil.release(event);
        }
    }
}
