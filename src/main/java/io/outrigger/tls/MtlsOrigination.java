package io.outrigger.tls;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.cert.X509Certificate;
import java.util.List;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.outrigger.common.Direction;
import io.outrigger.upstream.ConnectionSecurity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way an upstream connection of a {@code tls: mutual} cluster becomes this pod's mTLS,
 * for HTTP (ALPN {@link Alpn#HTTP}) and TCP tunnels ({@link Alpn#TCP}) alike: a TLS client
 * handler goes first on the connection, presenting the pod's certificate and accepting only a
 * peer whose chain leads to the trust bundle and whose SPIFFE ID the cluster allows. The verified
 * peer is kept on the connection ({@link Peer}); a failed handshake is counted and logged.
 *
 * <p>For HTTP, the upstream client hands the connection out only once the handshake succeeded (a
 * failed one is a connect failure, {@code UF}), so a pool holds only connections to a verified
 * peer of the cluster.
 */
public final class MtlsOrigination implements UpstreamTls {

    private static final Logger log = LoggerFactory.getLogger(MtlsOrigination.class);

    private final MutualTls mtls;

    public MtlsOrigination(MutualTls mtls) {
        this.mtls = mtls;
    }

    @Override
    public ConnectionSecurity forPeers(PeerPolicy peers) {
        if (!peers.mutual()) {
            return ConnectionSecurity.NONE;
        }
        return new ConnectionSecurity() {
            @Override
            public void secure(Channel channel, InetSocketAddress remote) {
                originate(channel, remote, peers, List.of(Alpn.HTTP), () -> {
                });
            }

            @Override
            public void secureHttp2(Channel channel, InetSocketAddress remote) {
                originate(channel, remote, peers, Alpn.HTTP2_OFFER, () -> {
                });
            }
        };
    }

    /**
     * Makes {@code channel}, not yet connected, this pod's mTLS to the cluster's peers when the
     * cluster asks for it. False, with the channel closed, when it asks and this pod has no
     * usable identity; {@code onHandshakeFailure} runs if the handshake fails later.
     */
    public boolean originate(Channel channel, SocketAddress remote, PeerPolicy peers, List<String> alpn,
            Runnable onHandshakeFailure) {
        if (!peers.mutual()) {
            return true;
        }
        SslContext context = mtls.client(peers.principals(), alpn);
        if (context == null) {
            log.warn("a cluster wants mutual TLS to {}, but this pod has no usable identity: {}", remote, mtls.error());
            channel.close();
            return false;
        }
        SslHandler tls = remote instanceof InetSocketAddress address
                ? context.newHandler(channel.alloc(), address.getHostString(), address.getPort())
                : context.newHandler(channel.alloc());
        tls.handshakeFuture().addListener(done -> {
            if (done.isSuccess()) {
                Peer.set(channel, Peer.of((X509Certificate) tls.engine().getSession().getPeerCertificates()[0]));
            } else {
                mtls.handshakeFailed(Direction.OUTBOUND);
                onHandshakeFailure.run();
                log.warn("outbound mTLS handshake with {} failed: {}", remote, MtlsAcceptor.rootMessage(done.cause()));
            }
        });
        channel.pipeline().addFirst(MtlsAcceptor.TLS_HANDLER, tls);
        return true;
    }
}
