package io.outrigger.admin;

import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.outrigger.tls.MutualTls;
import io.outrigger.tls.SpiffeId;
import io.outrigger.tls.WorkloadIdentity;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * {@code /actuator/certs}: the pod's identity, like {@code istioctl proxy-config secret}: for
 * the certificate and each root of the trust bundle, its SPIFFE ID (or subject), serial,
 * not-before and not-after; and why the files are not in use, if they are not.
 */
@Endpoint(id = "certs")
public final class CertsEndpoint {

    private final MutualTls mtls;

    public CertsEndpoint(MutualTls mtls) {
        this.mtls = mtls;
    }

    @ReadOperation
    public Map<String, Object> certs() {
        Map<String, Object> body = new LinkedHashMap<>();
        if (!mtls.configured()) {
            body.put("status", "none configured");
            body.put("certificates", List.of());
            return body;
        }
        WorkloadIdentity identity = mtls.identity();
        body.put("status", identity == null ? "not loaded" : mtls.usable() ? "active" : "expired");
        body.put("tlsProvider", mtls.provider());
        if (mtls.error() != null) {
            body.put("error", mtls.error());
        }
        List<Map<String, Object>> certificates = new ArrayList<>();
        if (identity != null) {
            certificates.add(describe("certificate", identity.leaf()));
            identity.trustBundle().forEach(root -> certificates.add(describe("root", root)));
        }
        body.put("certificates", certificates);
        return body;
    }

    private static Map<String, Object> describe(String role, X509Certificate certificate) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("role", role);
        String id = SpiffeId.of(certificate);
        entry.put("spiffeId", id);
        if (id == null) {
            entry.put("subject", certificate.getSubjectX500Principal().getName());
        }
        entry.put("serial", certificate.getSerialNumber().toString(16));
        entry.put("notBefore", certificate.getNotBefore().toInstant().toString());
        entry.put("notAfter", certificate.getNotAfter().toInstant().toString());
        return entry;
    }
}
