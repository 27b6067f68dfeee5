package io.outrigger.config;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import io.outrigger.cluster.Cluster;
import io.outrigger.cluster.ClusterManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds the live {@link Snapshot} and applies candidates to it: validate, compile, swap in one
 * volatile write. A candidate with any error is refused whole and the last good snapshot keeps
 * serving; a candidate whose hash equals the live one is skipped. Reloads are serialised, so
 * snapshot versions increase by one with each applied change.
 */
public final class SnapshotHolder {

    private static final Logger log = LoggerFactory.getLogger(SnapshotHolder.class);

    private final ClusterManager clusters;
    private final Clock clock;
    private volatile Snapshot current;
    private volatile ReloadResult lastResult;
    private final List<Consumer<ReloadResult>> listeners = new CopyOnWriteArrayList<>();

    public SnapshotHolder(ClusterManager clusters, Clock clock) {
        this.clusters = clusters;
        this.clock = clock;
        this.lastResult = new ReloadResult(clock.instant(), "none", ReloadResult.Outcome.UNCHANGED, 0, "", List.of());
    }

    /** The live snapshot, or null before the first configuration was applied. */
    public Snapshot current() {
        return current;
    }

    public ReloadResult lastResult() {
        return lastResult;
    }

    /** Validates, compiles and, if all is well, publishes {@code candidate}. */
    public synchronized ReloadResult apply(OutriggerProperties candidate, String source) {
        List<String> errors = ConfigValidator.validate(candidate);
        if (!errors.isEmpty()) {
            return reject(source, errors);
        }
        String hash = SnapshotCompiler.hash(candidate);
        Snapshot live = current;
        if (live != null && live.hash().equals(hash)) {
            return record(new ReloadResult(clock.instant(), source, ReloadResult.Outcome.UNCHANGED, live.version(), hash, List.of()));
        }
        Map<String, Cluster> prepared = clusters.prepare(SnapshotCompiler.clusterConfigs(candidate));
        Snapshot next;
        try {
            next = SnapshotCompiler.compile(live == null ? 1 : live.version() + 1, hash, candidate, prepared);
        } catch (RuntimeException e) {
            clusters.discard(prepared);
            return reject(source, List.of(e instanceof IllegalArgumentException ? e.getMessage() : "outrigger: cannot compile: " + e));
        }
        current = next;
        clusters.commit(prepared);
        log.info("config applied from {}: version {}, hash {}, {} routes, {} clusters", source,
                next.version(), hash, next.outbound().routes().size(), next.clusters().size());
        return record(new ReloadResult(clock.instant(), source, ReloadResult.Outcome.APPLIED, next.version(), hash, List.of()));
    }

    /** Records a candidate refused before it could be bound (unreadable file, bad YAML, bad value). */
    public synchronized ReloadResult reject(String source, List<String> errors) {
        Snapshot live = current;
        log.warn("config from {} rejected, {} keeps serving: {}", source,
                live == null ? "no snapshot" : "version " + live.version(), String.join("; ", errors));
        return record(new ReloadResult(clock.instant(), source, ReloadResult.Outcome.REJECTED,
                live == null ? 0 : live.version(), live == null ? "" : live.hash(), List.copyOf(errors)));
    }

    /** Tells {@code listener} the result of every later reload attempt. */
    public void onReload(Consumer<ReloadResult> listener) {
        listeners.add(listener);
    }

    private ReloadResult record(ReloadResult result) {
        lastResult = result;
        listeners.forEach(listener -> listener.accept(result));
        return result;
    }
}
