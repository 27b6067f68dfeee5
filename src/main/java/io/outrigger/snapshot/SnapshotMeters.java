package io.outrigger.snapshot;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.outrigger.common.MeterCatalog;

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
            reloads[outcome.ordinal()] = MeterCatalog.CONFIG_RELOADS.counter()
                    .tag(MeterCatalog.RESULT, outcome.name().toLowerCase())
                    .register(registry);
        }
        // The start-up load happened before the registry existed: count it too.
        if (snapshots.lastResult().source().equals("startup")) {
            reloads[snapshots.lastResult().outcome().ordinal()].increment();
        }
        snapshots.onReload(result -> reloads[result.outcome().ordinal()].increment());
        MeterCatalog.CONFIG_VERSION.gauge(snapshots, SnapshotMeters::version).register(registry);
    }

    private static double version(SnapshotHolder holder) {
        Snapshot snapshot = holder.current();
        return snapshot == null ? 0 : snapshot.version();
    }
}
