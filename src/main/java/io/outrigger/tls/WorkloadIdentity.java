package io.outrigger.tls;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import io.outrigger.config.OutriggerProperties;

/**
 * The pod's identity, loaded and checked: its certificate chain (leaf first) with a SPIFFE ID,
 * the matching private key, and the trust bundle the chain must lead to. Immutable; a rotation
 * loads a new one.
 */
public record WorkloadIdentity(List<X509Certificate> chain, PrivateKey key, List<X509Certificate> trustBundle,
        String spiffeId, String fingerprint) {

    public X509Certificate leaf() {
        return chain.getFirst();
    }

    public String trustDomain() {
        return SpiffeId.trustDomain(spiffeId);
    }

    public Instant notAfter() {
        return leaf().getNotAfter().toInstant();
    }

    /** Loads the three files and checks them together, at {@code now}. */
    public static WorkloadIdentity load(OutriggerProperties.Tls files, Instant now) {
        Path chainFile = required(files.certChain(), "cert-chain");
        Path keyFile = required(files.privateKey(), "private-key");
        Path bundleFile = required(files.trustBundle(), "trust-bundle");
        List<X509Certificate> chain = Pem.certificates(chainFile);
        PrivateKey key = Pem.privateKey(keyFile);
        List<X509Certificate> bundle = Pem.certificates(bundleFile);
        X509Certificate leaf = chain.getFirst();
        try {
            leaf.checkValidity(Date.from(now));
        } catch (CertificateExpiredException e) {
            throw new IdentityException(chainFile, "holds a certificate that expired at " + leaf.getNotAfter().toInstant());
        } catch (CertificateNotYetValidException e) {
            throw new IdentityException(chainFile, "holds a certificate not valid before " + leaf.getNotBefore().toInstant());
        }
        if (leaf.getBasicConstraints() >= 0) {
            throw new IdentityException(chainFile, "starts with a CA certificate; the workload's own certificate must come first");
        }
        String id = SpiffeId.of(leaf);
        if (id == null) {
            throw new IdentityException(chainFile, "holds a certificate without a SPIFFE ID (a spiffe:// URI SAN)");
        }
        if (!matches(key, leaf)) {
            throw new IdentityException(keyFile, "does not hold the private key of the certificate in " + chainFile);
        }
        verifyChain(chain, bundle, now, chainFile, bundleFile);
        return new WorkloadIdentity(List.copyOf(chain), key, List.copyOf(bundle), id,
                leaf.getSerialNumber().toString(16) + "/" + bundle.stream().map(c -> c.getSerialNumber().toString(16))
                        .collect(Collectors.joining(",")));
    }

    private static Path required(String path, String property) {
        if (path == null || path.isBlank()) {
            throw new IdentityException("outrigger.tls." + property + " is not set (all three files are needed)");
        }
        return Path.of(path);
    }

    /** Signs with the key and verifies with the certificate: the only check that works for EC and RSA alike. */
    private static boolean matches(PrivateKey key, X509Certificate certificate) {
        String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
        try {
            byte[] probe = new byte[32];
            new SecureRandom().nextBytes(probe);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static void verifyChain(List<X509Certificate> chain, List<X509Certificate> bundle, Instant now,
            Path chainFile, Path bundleFile) {
        try {
            Set<TrustAnchor> anchors = bundle.stream().map(c -> new TrustAnchor(c, null)).collect(Collectors.toSet());
            PKIXParameters parameters = new PKIXParameters(anchors);
            parameters.setRevocationEnabled(false);
            parameters.setDate(Date.from(now));
            List<X509Certificate> path = chain.stream().filter(c -> !bundle.contains(c)).toList();
            CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509").generateCertPath(path), parameters);
        } catch (GeneralSecurityException e) {
            throw new IdentityException(chainFile, "does not chain to the trust bundle in " + bundleFile + ": " + e.getMessage());
        }
    }
}
