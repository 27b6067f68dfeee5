package io.outrigger.tls;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import io.outrigger.config.OutriggerProperties;
import io.outrigger.testing.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Each way the identity files can be wrong is refused with the file named and the reason given. */
class WorkloadIdentityTest {

    static final String ID = "spiffe://cluster.local/ns/shop/sa/frontend";
    final TestPki.Ca ca = TestPki.ca("mesh");

    @TempDir
    Path dir;

    OutriggerProperties.Tls files() {
        return new OutriggerProperties.Tls(dir.resolve("cert-chain.pem").toString(), dir.resolve("key.pem").toString(),
                dir.resolve("root-cert.pem").toString());
    }

    @Test
    void aGoodEcOrRsaIdentityLoadsWithItsSpiffeId() {
        ca.issue(ID).writeTo(dir);
        assertThat(WorkloadIdentity.load(files(), Instant.now()).spiffeId()).isEqualTo(ID);
        Instant now = Instant.now();
        ca.issue(ID, now.minus(Duration.ofHours(1)), now.plus(Duration.ofHours(1)), "RSA").writeTo(dir);
        WorkloadIdentity rsa = WorkloadIdentity.load(files(), now);
        assertThat(rsa.key().getAlgorithm()).isEqualTo("RSA");
        assertThat(rsa.trustDomain()).isEqualTo("cluster.local");
    }

    @Test
    void aKeyThatIsNotTheCertificatesIsRefused() throws Exception {
        ca.issue(ID).writeTo(dir);
        Path otherKey = dir.resolve("other");
        ca.issue(ID).writeTo(otherKey);
        Files.copy(otherKey.resolve("key.pem"), dir.resolve("key.pem"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThatThrownBy(() -> WorkloadIdentity.load(files(), Instant.now()))
                .hasMessageContaining("key.pem does not hold the private key of the certificate");
    }

    @Test
    void aCertificateFromAnotherCaIsRefused() throws Exception {
        TestPki.ca("elsewhere").issue(ID).writeTo(dir);
        Path mesh = dir.resolve("mesh");
        ca.issue(ID).writeTo(mesh);
        Files.copy(mesh.resolve("root-cert.pem"), dir.resolve("root-cert.pem"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThatThrownBy(() -> WorkloadIdentity.load(files(), Instant.now()))
                .hasMessageContaining("cert-chain.pem does not chain to the trust bundle");
    }

    @Test
    void expiredNotYetValidAndMissingFilesAreNamed() {
        Instant now = Instant.now();
        ca.issue(ID, now.minus(Duration.ofDays(2)), now.minus(Duration.ofDays(1)), "EC").writeTo(dir);
        assertThatThrownBy(() -> WorkloadIdentity.load(files(), now)).hasMessageContaining("expired at");
        ca.issue(ID, now.plus(Duration.ofDays(1)), now.plus(Duration.ofDays(2)), "EC").writeTo(dir);
        assertThatThrownBy(() -> WorkloadIdentity.load(files(), now)).hasMessageContaining("not valid before");
        OutriggerProperties.Tls missing = new OutriggerProperties.Tls(dir.resolve("nope.pem").toString(),
                dir.resolve("key.pem").toString(), dir.resolve("root-cert.pem").toString());
        assertThatThrownBy(() -> WorkloadIdentity.load(missing, now)).hasMessageContaining("nope.pem cannot be read");
    }

    @Test
    void theCaCertificateItselfIsNotAnIdentity() throws Exception {
        ca.issue(ID).writeTo(dir);
        Files.copy(dir.resolve("root-cert.pem"), dir.resolve("cert-chain.pem"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThatThrownBy(() -> WorkloadIdentity.load(files(), Instant.now())).hasMessageContaining("starts with a CA certificate");
    }

    @Test
    void aKeyInAnotherPemFormIsRefusedWithTheConversionToMakeIt() throws Exception {
        ca.issue(ID).writeTo(dir);
        Files.writeString(dir.resolve("key.pem"), "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----\n");
        assertThatThrownBy(() -> WorkloadIdentity.load(files(), Instant.now()))
                .hasMessageContaining("holds a 'EC PRIVATE KEY'").hasMessageContaining("openssl pkcs8 -topk8");
    }
}
