package io.outrigger.admin;

import io.outrigger.listener.ListenerManager;
import io.outrigger.snapshot.Snapshot;
import io.outrigger.snapshot.SnapshotHolder;
import io.outrigger.tls.MutualTls;
import io.outrigger.tls.WorkloadIdentity;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The sidecar is ready when both listeners are bound, a valid configuration is live, its
 * identity (if one is configured) is loaded and not expired, and it is not draining. Part of the
 * {@code readiness} health group, so Kubernetes sends no traffic before the proxy can carry it,
 * and stops at once when draining starts.
 */
public final class ReadinessIndicator implements HealthIndicator {

    private final ListenerManager listeners;
    private final SnapshotHolder snapshots;
    private final MutualTls mtls;

    public ReadinessIndicator(ListenerManager listeners, SnapshotHolder snapshots, MutualTls mtls) {
        this.listeners = listeners;
        this.snapshots = snapshots;
        this.mtls = mtls;
    }

    @Override
    public Health health() {
        Snapshot snapshot = snapshots.current();
        boolean bound = listeners.outbound().bound() && listeners.inbound().bound();
        boolean identityOk = !mtls.configured() || mtls.usable();
        Health.Builder health = bound && snapshot != null && !listeners.draining() && identityOk ? Health.up() : Health.down();
        health.withDetail("listenersBound", bound)
                .withDetail("configVersion", snapshot == null ? 0 : snapshot.version())
                .withDetail("draining", listeners.draining());
        if (snapshot == null) {
            health.withDetail("reason", "no valid configuration has been loaded: " + snapshots.lastResult().errors());
        }
        if (mtls.configured()) {
            WorkloadIdentity identity = mtls.identity();
            health.withDetail("identity", identity == null ? "none loaded" : identity.spiffeId());
            if (!identityOk) {
                health.withDetail("identityError", identity == null ? mtls.error()
                        : "the certificate expired at " + identity.notAfter());
            } else if (mtls.error() != null) {
                health.withDetail("rotationError", mtls.error());
            }
        }
        return health.build();
    }
}
