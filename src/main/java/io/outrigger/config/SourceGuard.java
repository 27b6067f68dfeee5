package io.outrigger.config;

import org.springframework.core.env.ConfigurableEnvironment;

/**
 * A check on where a reload's configuration came from, made before it is bound: a source that
 * has vanished (a deleted ConfigMap) must not silently turn the routes back into the defaults.
 */
public interface SourceGuard {

    /** Why this environment must not be applied, or null when it may be. */
    String refusal(ConfigurableEnvironment environment);

    /** The environment was applied (or found unchanged): remember what it held. */
    default void accepted(ConfigurableEnvironment environment) {
    }
}
