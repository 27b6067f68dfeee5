package io.outrigger.admin;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.outrigger.snapshot.ReloadResult;
import io.outrigger.snapshot.Snapshot;
import io.outrigger.snapshot.SnapshotHolder;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/** {@code /actuator/routes}: the live route table, its version and hash, and the last reload's result. */
@Endpoint(id = "routes")
public final class RoutesEndpoint {

    private final SnapshotHolder snapshots;

    public RoutesEndpoint(SnapshotHolder snapshots) {
        this.snapshots = snapshots;
    }

    @ReadOperation
    public Map<String, Object> routes() {
        Snapshot snapshot = snapshots.current();
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("version", snapshot == null ? 0 : snapshot.version());
        view.put("hash", snapshot == null ? "" : snapshot.hash());
        view.put("lastReload", reload(snapshots.lastResult()));
        view.put("routes", snapshot == null ? List.of() : ConfigView.of(snapshot.settings().routes()));
        return view;
    }

    static Map<String, Object> reload(ReloadResult result) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("time", result.time().toString());
        view.put("source", result.source());
        view.put("result", result.outcome().name().toLowerCase());
        view.put("version", result.version());
        view.put("errors", result.errors());
        return view;
    }
}
