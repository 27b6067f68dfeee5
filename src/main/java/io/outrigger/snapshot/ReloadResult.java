package io.outrigger.snapshot;

import java.time.Instant;
import java.util.List;

/**
 * The outcome of one attempt to apply configuration, kept for the admin endpoints and logs.
 *
 * @param source  what triggered it: {@code startup}, {@code file}, {@code refresh}, ...
 * @param version the snapshot version live after the attempt
 * @param errors  why the change was refused; empty unless {@code outcome} is REJECTED
 */
public record ReloadResult(Instant time, String source, Outcome outcome, long version, String hash, List<String> errors) {

    public enum Outcome { APPLIED, UNCHANGED, REJECTED }
}
