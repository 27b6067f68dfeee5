package io.outrigger.snapshot;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;

import io.outrigger.cluster.Cluster;
import io.outrigger.cluster.ClusterManager;
import io.outrigger.cluster.DiscoveredService;
import io.outrigger.common.Problems;
import io.outrigger.config.OutriggerProperties;
import io.outrigger.routing.RoutePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds the live {@link Snapshot} and applies candidates to it: compile, swap in one
 * volatile write. A candidate with any error is refused whole and the last good snapshot keeps
 * serving; a candidate whose hash equals the live one is skipped. Reloads are serialised, so
 * snapshot versions increase by one with each applied change.
 */
public final class SnapshotHolder {

    private static final Logger log = LoggerFactory.getLogger(SnapshotHolder.class);

    private final ClusterManager clusters;
    private final SnapshotCompiler compiler;
    private volatile Supplier<List<DiscoveredService>> discovered = List::of;
    private final Clock clock;
    private volatile Snapshot current;
    private volatile ReloadResult lastResult;
    private final List<Consumer<ReloadResult>> listeners = new CopyOnWriteArrayList<>();

    /** @param routePolicies the policies the filters compile for each route, in the order their problems are reported */
    public SnapshotHolder(ClusterManager clusters, Clock clock, List<RoutePolicy<?>> routePolicies) {
        this.clusters = clusters;
        this.compiler = new SnapshotCompiler(routePolicies);
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

    /** Compiles {@code candidate} and, if it has no problem, publishes it. */
    public synchronized ReloadResult apply(OutriggerProperties candidate, String source) {
        Problems problems = new Problems();
        List<DiscoveredService> services = discovered.get();
        SnapshotCompiler.Plan plan = compiler.plan(candidate, services, problems);
        if (!problems.isEmpty()) {
            compiler.link(0, "", plan, null, problems);   // for the routes' own problems too
            return reject(source, problems.list());
        }
        String hash = SnapshotCompiler.hash(candidate, services);
        Snapshot live = current;
        if (live != null && live.hash().equals(hash)) {
            return record(new ReloadResult(clock.instant(), source, ReloadResult.Outcome.UNCHANGED, live.version(), hash, List.of()));
        }
        Map<String, Cluster> prepared = clusters.prepare(plan.clusters());
        Snapshot next = compiler.link(live == null ? 1 : live.version() + 1, hash, plan, prepared, problems);
        if (next == null) {
            clusters.discard(prepared);
            return reject(source, problems.list());
        }
        current = next;
        clusters.commit(prepared);
        log.info("config applied from {}: version {}, hash {}, {} routes, {} clusters", source,
                next.version(), hash, next.outbound().routes().size(), next.clusters().size());
        return record(new ReloadResult(clock.instant(), source, ReloadResult.Outcome.APPLIED, next.version(), hash, List.of()));
    }

    /**
     * Builds the live settings again with the Services discovery knows now: their clusters come
     * and go with them. Nothing happens before the first snapshot.
     */
    public synchronized void rediscover() {
        Snapshot live = current;
        if (live != null) {
            apply(live.settings(), "discovery");
        }
    }

    /** Where discovered Services come from (none unless discovery runs). */
    public void discoveredServices(Supplier<List<DiscoveredService>> source) {
        this.discovered = source;
    }

    /** The problems {@code candidate} would be refused for, without building anything. */
    public List<String> check(OutriggerProperties candidate) {
        return compiler.check(candidate);
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
