package io.outrigger.admin;

import io.outrigger.config.Snapshot;
import io.outrigger.config.SnapshotHolder;
import io.outrigger.listener.ListenerManager;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The sidecar is ready when both listeners are bound, a valid configuration is live, and it is
 * not draining. Part of the {@code readiness} health group, so Kubernetes sends no traffic
 * before the proxy can carry it, and stops at once when draining starts.
 */
public final class ReadinessIndicator implements HealthIndicator {

    private final ListenerManager listeners;
    private final SnapshotHolder snapshots;

    public ReadinessIndicator(ListenerManager listeners, SnapshotHolder snapshots) {
        this.listeners = listeners;
        this.snapshots = snapshots;
    }

    @Override
    public Health health() {
        Snapshot snapshot = snapshots.current();
        boolean bound = listeners.outbound().bound() && listeners.inbound().bound();
        Health.Builder health = bound && snapshot != null && !listeners.draining() ? Health.up() : Health.down();
        health.withDetail("listenersBound", bound)
                .withDetail("configVersion", snapshot == null ? 0 : snapshot.version())
                .withDetail("draining", listeners.draining());
        if (snapshot == null) {
            health.withDetail("reason", "no valid configuration has been loaded: " + snapshots.lastResult().errors());
        }
        return health.build();
    }
}
