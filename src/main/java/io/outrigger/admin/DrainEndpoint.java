package io.outrigger.admin;

import java.util.Map;

import io.outrigger.listener.Drainer;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

/**
 * {@code POST /actuator/drain}: what SIGTERM does. Readiness goes DOWN, the inbound listener stops
 * taking connections, requests in flight finish, then the process exits 0. GET tells whether a
 * drain has started.
 */
@Endpoint(id = "drain")
public final class DrainEndpoint {

    private final Drainer drainer;

    public DrainEndpoint(Drainer drainer) {
        this.drainer = drainer;
    }

    @ReadOperation
    public Map<String, Object> state() {
        return Map.of("draining", drainer.started());
    }

    @WriteOperation
    public Map<String, Object> drain() {
        boolean started = drainer.start("POST /actuator/drain");
        return Map.of("draining", true, "alreadyDraining", !started);
    }
}
