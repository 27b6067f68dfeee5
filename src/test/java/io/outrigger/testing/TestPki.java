package io.outrigger.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates made at test time: a mesh CA and SPIFFE X.509-SVIDs it signs (EC P-256, or RSA),
 * written as the PEM files Outrigger reads: cert-chain.pem, key.pem (PKCS#8), root-cert.pem.
 */
public final class TestPki {

    private static final AtomicLong SERIALS = new AtomicLong(System.nanoTime());

    /** A certificate authority: the root of a trust bundle. */
    public record Ca(X509Certificate certificate, KeyPair keys) {

        /** A workload certificate for {@code spiffeId}, valid from an hour ago for a day. */
        public Svid issue(String spiffeId) {
            Instant now = Instant.now();
            return issue(spiffeId, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1)), "EC");
        }

        public Svid issue(String spiffeId, Instant notBefore, Instant notAfter, String keyAlgorithm) {
            try {
                KeyPair leafKeys = TestPki.keys(keyAlgorithm);
                X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                        X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded()), serial(),
                        Date.from(notBefore), Date.from(notAfter), new X500Name("O=outrigger-test"), leafKeys.getPublic());
                builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                builder.addExtension(Extension.keyUsage, true,
                        new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
                builder.addExtension(Extension.extendedKeyUsage, false,
                        new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
                builder.addExtension(Extension.subjectAlternativeName, true,
                        new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, spiffeId)));
                X509Certificate leaf = new JcaX509CertificateConverter().getCertificate(
                        builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
                return new Svid(leaf, leafKeys, this);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** A workload's certificate and key, and the CA that signed it. */
    public record Svid(X509Certificate certificate, KeyPair keys, Ca ca) {

        /**
         * Writes the three files into {@code dir}, each by an atomic rename, as a Secret or the
         * SPIFFE CSI driver replaces them; returns the {@code outrigger.tls} lines for them.
         */
        public String writeTo(Path dir) {
            try {
                Files.createDirectories(dir);
                replace(dir.resolve("cert-chain.pem"), pem(certificate));
                replace(dir.resolve("key.pem"), pem(new JcaPKCS8Generator(keys.getPrivate(), null)));
                replace(dir.resolve("root-cert.pem"), pem(ca.certificate()));
                return """
                          tls:
                            cert-chain: %s
                            private-key: %s
                            trust-bundle: %s
                        """.formatted(dir.resolve("cert-chain.pem"), dir.resolve("key.pem"), dir.resolve("root-cert.pem"));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        public String serialHex() {
            return certificate.getSerialNumber().toString(16);
        }
    }

    private TestPki() {
    }

    public static Ca ca(String name) {
        try {
            KeyPair keys = keys("EC");
            Instant now = Instant.now();
            X500Name subject = new X500Name("O=" + name + ",CN=" + name + " root");
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial(),
                    Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(Duration.ofDays(365))), subject, keys.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
            return new Ca(certificate, keys);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair keys(String algorithm) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
        if (algorithm.equals("EC")) {
            generator.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
        } else {
            generator.initialize(2048, new SecureRandom());
        }
        return generator.generateKeyPair();
    }

    private static BigInteger serial() {
        return BigInteger.valueOf(SERIALS.incrementAndGet());
    }

    private static String pem(Object object) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object);
        }
        return out.toString();
    }

    private static void replace(Path file, String content) throws IOException {
        Path next = file.resolveSibling(file.getFileName() + ".next");
        Files.writeString(next, content);
        Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
