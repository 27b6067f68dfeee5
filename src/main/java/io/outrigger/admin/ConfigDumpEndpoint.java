package io.outrigger.admin;

import java.util.LinkedHashMap;
import java.util.Map;

import io.outrigger.snapshot.Snapshot;
import io.outrigger.snapshot.SnapshotHolder;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/** {@code /actuator/configdump}: the whole effective configuration of the live snapshot, defaults included. */
@Endpoint(id = "configdump")
public final class ConfigDumpEndpoint {

    private final SnapshotHolder snapshots;

    public ConfigDumpEndpoint(SnapshotHolder snapshots) {
        this.snapshots = snapshots;
    }

    @ReadOperation
    public Map<String, Object> configDump() {
        Snapshot snapshot = snapshots.current();
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("version", snapshot == null ? 0 : snapshot.version());
        view.put("hash", snapshot == null ? "" : snapshot.hash());
        view.put("lastReload", RoutesEndpoint.reload(snapshots.lastResult()));
        view.put("outrigger", snapshot == null ? Map.of() : ConfigView.of(snapshot.settings()));
        return view;
    }
}
