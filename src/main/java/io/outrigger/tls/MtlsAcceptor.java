package io.outrigger.tls;

import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

import javax.net.ssl.SSLPeerUnverifiedException;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.outrigger.common.Direction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Terminates a sidecar's mTLS on an inbound connection: puts a TLS server handler in front,
 * replays the ClientHello into it, and once the handshake has verified the peer (its chain leads
 * to the trust bundle and its SPIFFE ID is in this pod's trust domain) records the peer on the
 * connection and hands the decrypted stream on, by the ALPN protocol the peer chose: HTTP to the
 * HTTP handlers, TCP to relaying. A failed handshake closes the connection and is counted.
 */
public final class MtlsAcceptor extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(MtlsAcceptor.class);
    public static final String TLS_HANDLER = "outrigger.tls";

    /** What to do with the decrypted connection. */
    public interface Next {
        /** HTTP/1.1 inside: serve it ({@code ctx} is this acceptor's, to be removed). */
        void http(ChannelHandlerContext ctx, ByteBuf decrypted);

        /** Opaque TCP inside. */
        void tcp(Channel channel, ByteBuf decrypted);
    }

    private final MutualTls mtls;
    private final Next next;
    private final List<ByteBuf> early = new ArrayList<>(2);
    private boolean done;

    private MtlsAcceptor(MutualTls mtls, Next next) {
        this.mtls = mtls;
        this.next = next;
    }

    /**
     * Starts terminating: {@code clientHello} (the bytes sniffed so far) goes to the TLS handler.
     * The sniffer that calls this must already be out of the pipeline, or be removed right after.
     */
    public static void start(Channel channel, ByteBuf clientHello, SslContext server, MutualTls mtls, Next next) {
        ChannelPipeline pipeline = channel.pipeline();
        SslHandler tls = server.newHandler(channel.alloc());
        pipeline.addFirst(TLS_HANDLER, tls);
        pipeline.addAfter(TLS_HANDLER, "outrigger.mtls", new MtlsAcceptor(mtls, next));
        pipeline.fireChannelRead(clientHello);
        pipeline.fireChannelReadComplete();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (done || !(msg instanceof ByteBuf bytes)) {
            ctx.fireChannelRead(msg);
            return;
        }
        early.add(bytes);   // decrypted bytes that came with the handshake's last flight
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (done) {
            ctx.fireChannelReadComplete();
        } else if (!ctx.channel().config().isAutoRead()) {
            ctx.read();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (!(event instanceof SslHandshakeCompletionEvent completion) || done) {
            ctx.fireUserEventTriggered(event);
            return;
        }
        if (!completion.isSuccess()) {
            mtls.handshakeFailed(Direction.INBOUND);
            log.warn("inbound mTLS handshake from {} failed: {}", ctx.channel().remoteAddress(), rootMessage(completion.cause()));
            ctx.close();
            return;
        }
        done = true;
        SslHandler tls = ctx.pipeline().get(SslHandler.class);
        try {
            Peer.set(ctx.channel(), Peer.of((X509Certificate) tls.engine().getSession().getPeerCertificates()[0]));
        } catch (SSLPeerUnverifiedException e) {
            ctx.close();   // cannot happen with client auth required; refuse rather than guess
            return;
        }
        ByteBuf decrypted = drainEarly(ctx);
        if (Alpn.TCP.equals(tls.applicationProtocol())) {
            ctx.pipeline().remove(this);
            next.tcp(ctx.channel(), decrypted);
        } else {
            next.http(ctx, decrypted);
        }
    }

    private ByteBuf drainEarly(ChannelHandlerContext ctx) {
        CompositeByteBuf all = ctx.alloc().compositeBuffer(Math.max(2, early.size()));
        early.forEach(b -> all.addComponent(true, b));
        early.clear();
        return all;
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        early.forEach(ReferenceCountUtil::release);
        early.clear();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!done) {
            ctx.close();   // the handshake's failure arrives as the completion event; nothing else to do
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    static String rootMessage(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() != null ? root.getMessage() : root.toString();
    }
}
