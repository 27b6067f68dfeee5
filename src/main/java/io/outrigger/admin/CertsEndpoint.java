package io.outrigger.admin;

import java.util.Map;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/** {@code /actuator/certs}: the pod's identity certificates. Mutual TLS is not built yet, so there are none. */
@Endpoint(id = "certs")
public final class CertsEndpoint {

    @ReadOperation
    public Map<String, Object> certs() {
        return Map.of("status", "none configured", "certificates", java.util.List.of());
    }
}
