package io.outrigger.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads PEM files, failing with a message that names the file and what is wrong with it. */
final class Pem {

    private static final Pattern BLOCK = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END \\1-----");

    private Pem() {
    }

    static List<X509Certificate> certificates(Path file) {
        byte[] bytes = read(file);
        try {
            List<X509Certificate> certificates = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(bytes)).stream()
                    .map(X509Certificate.class::cast).toList();
            if (certificates.isEmpty()) {
                throw new IdentityException(file, "holds no PEM certificate");
            }
            return certificates;
        } catch (CertificateException e) {
            throw new IdentityException(file, "is not a PEM certificate file: " + e.getMessage());
        }
    }

    /** A PKCS#8 key ({@code BEGIN PRIVATE KEY}), EC or RSA. */
    static PrivateKey privateKey(Path file) {
        String text = new String(read(file), StandardCharsets.US_ASCII);
        Matcher block = BLOCK.matcher(text);
        if (!block.find()) {
            throw new IdentityException(file, "holds no PEM block");
        }
        String type = block.group(1);
        if (!type.equals("PRIVATE KEY")) {
            throw new IdentityException(file, "holds a '" + type + "'; a PKCS#8 'PRIVATE KEY' is needed"
                    + " (convert with: openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem)");
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(block.group(2));
        } catch (IllegalArgumentException e) {
            throw new IdentityException(file, "is not valid base64 inside its PEM block");
        }
        for (String algorithm : new String[] {"EC", "RSA"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException notThisOne) {
                // try the next algorithm
            }
        }
        throw new IdentityException(file, "holds a private key that is neither EC nor RSA, or is damaged");
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IdentityException(file, "cannot be read: " + e);
        }
    }
}
