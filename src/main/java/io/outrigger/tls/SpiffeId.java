package io.outrigger.tls;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;

/** SPIFFE IDs ({@code spiffe://trust-domain/path}) in X.509 certificates. */
public final class SpiffeId {

    private static final int URI_NAME = 6;

    private SpiffeId() {
    }

    /** The certificate's SPIFFE ID (its URI SAN with the spiffe scheme), or null. */
    public static String of(X509Certificate certificate) {
        try {
            Collection<List<?>> names = certificate.getSubjectAlternativeNames();
            if (names == null) {
                return null;
            }
            for (List<?> name : names) {
                if (name.size() == 2 && Integer.valueOf(URI_NAME).equals(name.get(0))
                        && name.get(1) instanceof String uri && uri.startsWith("spiffe://")) {
                    return uri;
                }
            }
            return null;
        } catch (CertificateParsingException e) {
            return null;
        }
    }

    /** {@code cluster.local} for {@code spiffe://cluster.local/ns/x/sa/y}. */
    public static String trustDomain(String id) {
        String rest = id.substring("spiffe://".length());
        int slash = rest.indexOf('/');
        return slash < 0 ? rest : rest.substring(0, slash);
    }
}
