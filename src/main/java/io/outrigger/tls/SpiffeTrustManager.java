package io.outrigger.tls;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.function.Predicate;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Trusts a peer whose chain leads to the trust bundle (PKIX, no host names: identity is the
 * SPIFFE ID) and whose SPIFFE ID the given rule accepts. A peer that fails either check fails
 * the handshake.
 */
final class SpiffeTrustManager extends X509ExtendedTrustManager {

    private final X509TrustManager pkix;
    private final Predicate<String> accepted;
    private final String rule;

    /** @param rule what {@code accepted} requires, for the error a refused peer gets */
    SpiffeTrustManager(List<X509Certificate> trustBundle, Predicate<String> accepted, String rule) {
        this.pkix = pkix(trustBundle);
        this.accepted = accepted;
        this.rule = rule;
    }

    private static X509TrustManager pkix(List<X509Certificate> roots) {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            for (int i = 0; i < roots.size(); i++) {
                store.setCertificateEntry("root-" + i, roots.get(i));
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
            factory.init(store);
            for (TrustManager manager : factory.getTrustManagers()) {
                if (manager instanceof X509TrustManager x509) {
                    return x509;
                }
            }
            throw new IllegalStateException("the JDK's PKIX trust manager factory made no X509TrustManager");
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IdentityException("cannot build a trust manager from the trust bundle: " + e);
        }
    }

    private void checkIdentity(X509Certificate[] chain) throws CertificateException {
        String id = SpiffeId.of(chain[0]);
        if (id == null) {
            throw new CertificateException("the peer's certificate carries no SPIFFE ID");
        }
        if (!accepted.test(id)) {
            throw new CertificateException("the peer " + id + " is not accepted: " + rule);
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        pkix.checkClientTrusted(chain, authType);
        checkIdentity(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        pkix.checkServerTrusted(chain, authType);
        checkIdentity(chain);
    }

    // The socket and engine variants would add host-name checks; a SPIFFE peer has none to check.
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return pkix.getAcceptedIssuers();
    }
}
