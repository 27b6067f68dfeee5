package io.outrigger.tls;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

/**
 * The verified peer of a connection that came in over sidecar mTLS, kept on the connection:
 * its SPIFFE ID (for authorization, metrics, the access log) and its certificate's hash (for
 * {@code x-forwarded-client-cert}). A connection without one is plaintext.
 */
public record Peer(String spiffeId, String certificateHash) {

    private static final AttributeKey<Peer> KEY = AttributeKey.valueOf("outrigger.mtls-peer");

    public static Peer of(Channel channel) {
        return channel.attr(KEY).get();
    }

    public static void set(Channel channel, Peer peer) {
        channel.attr(KEY).set(peer);
    }

    public static Peer of(X509Certificate certificate) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
            return new Peer(SpiffeId.of(certificate), HexFormat.of().formatHex(hash));
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }
}
