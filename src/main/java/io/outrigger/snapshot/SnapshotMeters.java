package io.outrigger.snapshot;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.outrigger.telemetry.MeterCatalog;

/** Config reloads by result, and the live snapshot's version. */
public final class SnapshotMeters implements MeterBinder {

    private final SnapshotHolder snapshots;

    public SnapshotMeters(SnapshotHolder snapshots) {
        this.snapshots = snapshots;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Counter[] reloads = new Counter[ReloadResult.Outcome.values().length];
        for (ReloadResult.Outcome outcome : ReloadResult.Outcome.values()) {
            reloads[outcome.ordinal()] = Counter.builder(MeterCatalog.CONFIG_RELOADS)
                    .description("Configuration reload attempts, by result")
                    .tag(MeterCatalog.RESULT, outcome.name().toLowerCase())
                    .register(registry);
        }
        // The start-up load happened before the registry existed: count it too.
        if (snapshots.lastResult().source().equals("startup")) {
            reloads[snapshots.lastResult().outcome().ordinal()].increment();
        }
        snapshots.onReload(result -> reloads[result.outcome().ordinal()].increment());
        Gauge.builder(MeterCatalog.CONFIG_VERSION, snapshots, SnapshotMeters::version)
                .description("Version of the live route-table snapshot (0: none loaded)")
                .register(registry);
    }

    private static double version(SnapshotHolder holder) {
        Snapshot snapshot = holder.current();
        return snapshot == null ? 0 : snapshot.version();
    }
}
