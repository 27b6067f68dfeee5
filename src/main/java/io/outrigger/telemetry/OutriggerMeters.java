package io.outrigger.telemetry;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.outrigger.config.ReloadResult;
import io.outrigger.config.Snapshot;
import io.outrigger.config.SnapshotHolder;
import io.outrigger.listener.ListenerManager;

import static io.outrigger.telemetry.MeterCatalog.*;

/**
 * Outrigger's own meters: config reloads by result, the live route-table version, open
 * connections per listener, and access-log lines lost to a slow stdout. (Retries and pool
 * overflows are counted per cluster by {@link RequestMetrics}.)
 */
public final class OutriggerMeters implements MeterBinder {

    private final SnapshotHolder snapshots;
    private final ListenerManager listeners;
    private final AccessLog accessLog;

    public OutriggerMeters(SnapshotHolder snapshots, ListenerManager listeners, AccessLog accessLog) {
        this.snapshots = snapshots;
        this.listeners = listeners;
        this.accessLog = accessLog;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Counter[] reloads = new Counter[ReloadResult.Outcome.values().length];
        for (ReloadResult.Outcome outcome : ReloadResult.Outcome.values()) {
            reloads[outcome.ordinal()] = Counter.builder(CONFIG_RELOADS)
                    .description("Configuration reload attempts, by result")
                    .tag(RESULT, outcome.name().toLowerCase())
                    .register(registry);
        }
        // The start-up load happened before the registry existed: count it too.
        if (snapshots.lastResult().source().equals("startup")) {
            reloads[snapshots.lastResult().outcome().ordinal()].increment();
        }
        snapshots.onReload(result -> reloads[result.outcome().ordinal()].increment());
        Gauge.builder(CONFIG_VERSION, snapshots, OutriggerMeters::version)
                .description("Version of the live route-table snapshot (0: none loaded)")
                .register(registry);
        for (ListenerManager.Listener listener : new ListenerManager.Listener[] {listeners.outbound(), listeners.inbound()}) {
            Gauge.builder(ACTIVE_CONNECTIONS, listener, ListenerManager.Listener::activeConnections)
                    .description("Open downstream connections on a listener")
                    .tag(LISTENER, listener.name())
                    .register(registry);
        }
        FunctionCounter.builder(ACCESS_LOG_DROPPED, accessLog, AccessLog::dropped)
                .description("Access-log lines dropped because stdout could not keep up")
                .register(registry);
    }

    private static double version(SnapshotHolder holder) {
        Snapshot snapshot = holder.current();
        return snapshot == null ? 0 : snapshot.version();
    }
}
