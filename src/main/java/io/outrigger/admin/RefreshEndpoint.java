package io.outrigger.admin;

import java.util.Map;

import io.outrigger.snapshot.ConfigReloader;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

/**
 * {@code POST /actuator/refresh}: re-reads the configuration through the same path as a file or
 * ConfigMap edit, and answers with the result: applied, unchanged, or rejected with the errors.
 */
@Endpoint(id = "refresh")
public final class RefreshEndpoint {

    private final ConfigReloader reloader;

    public RefreshEndpoint(ConfigReloader reloader) {
        this.reloader = reloader;
    }

    @WriteOperation
    public Map<String, Object> refresh() {
        return RoutesEndpoint.reload(reloader.reload("refresh"));
    }
}
