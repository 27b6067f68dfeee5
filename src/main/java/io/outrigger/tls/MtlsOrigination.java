package io.outrigger.tls;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.cert.X509Certificate;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.outrigger.cluster.UpstreamTls;
import io.outrigger.common.Direction;
import io.outrigger.config.OutriggerProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes an upstream HTTP connection of a {@code tls: mutual} cluster this pod's mTLS: a TLS
 * client handler goes first on the connection, presenting the pod's certificate and accepting
 * only a peer whose chain leads to the trust bundle and whose SPIFFE ID the cluster allows. The
 * upstream client hands the connection out only once the handshake succeeded (a failed one is a
 * connect failure, {@code UF}), so a pool holds only connections to a verified peer of the
 * cluster. The verified peer is kept on the connection for the metrics.
 */
public final class MtlsOrigination implements UpstreamTls {

    private static final Logger log = LoggerFactory.getLogger(MtlsOrigination.class);

    private final MutualTls mtls;

    public MtlsOrigination(MutualTls mtls) {
        this.mtls = mtls;
    }

    @Override
    public void secure(Channel channel, SocketAddress remote, OutriggerProperties.Cluster cluster) {
        if (!"mutual".equals(cluster.tls())) {
            return;
        }
        SslContext context = mtls.client(cluster.peerPrincipals(), Alpn.HTTP);
        if (context == null) {
            log.warn("a cluster wants mutual TLS to {}, but this pod has no usable identity: {}", remote, mtls.error());
            channel.close();
            return;
        }
        InetSocketAddress address = remote instanceof InetSocketAddress inet ? inet : null;
        SslHandler tls = address == null ? context.newHandler(channel.alloc())
                : context.newHandler(channel.alloc(), address.getHostString(), address.getPort());
        tls.handshakeFuture().addListener(done -> {
            if (done.isSuccess()) {
                Peer.set(channel, Peer.of((X509Certificate) tls.engine().getSession().getPeerCertificates()[0]));
            } else {
                mtls.handshakeFailed(Direction.OUTBOUND);
                log.warn("outbound mTLS handshake with {} failed: {}", remote, MtlsAcceptor.rootMessage(done.cause()));
            }
        });
        channel.pipeline().addFirst(MtlsAcceptor.TLS_HANDLER, tls);
    }
}
