package io.outrigger.admin;

import java.util.LinkedHashMap;
import java.util.Map;

import io.outrigger.snapshot.Snapshot;
import io.outrigger.snapshot.SnapshotHolder;
import org.springframework.boot.actuate.info.Info;
import org.springframework.boot.actuate.info.InfoContributor;

/** Adds the live config snapshot's version and hash to {@code /actuator/info}. */
public final class ConfigInfoContributor implements InfoContributor {

    private final SnapshotHolder snapshots;

    public ConfigInfoContributor(SnapshotHolder snapshots) {
        this.snapshots = snapshots;
    }

    @Override
    public void contribute(Info.Builder builder) {
        Snapshot snapshot = snapshots.current();
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("version", snapshot == null ? 0 : snapshot.version());
        config.put("hash", snapshot == null ? "" : snapshot.hash());
        config.put("lastReload", snapshots.lastResult().outcome().name().toLowerCase());
        builder.withDetail("config", config);
    }
}
