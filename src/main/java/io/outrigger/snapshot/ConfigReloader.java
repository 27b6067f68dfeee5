package io.outrigger.snapshot;

import java.util.List;

import io.outrigger.config.ConfigBinding;
import io.outrigger.config.InvalidConfigException;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.cloud.context.environment.EnvironmentChangeEvent;
import org.springframework.cloud.context.refresh.ContextRefresher;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * The one path by which configuration reaches the {@link SnapshotHolder}. Whatever changes the
 * environment — a watched file, {@code POST /actuator/refresh}, a ConfigMap event — ends in an
 * {@link EnvironmentChangeEvent}; this binds a fresh tree from the environment and applies it.
 */
public final class ConfigReloader implements SmartInitializingSingleton, ApplicationListener<EnvironmentChangeEvent> {

    private static final ThreadLocal<String> SOURCE = new ThreadLocal<>();

    private final ConfigurableEnvironment environment;
    private final SnapshotHolder holder;
    private final ContextRefresher refresher;

    public ConfigReloader(ConfigurableEnvironment environment, SnapshotHolder holder, ContextRefresher refresher) {
        this.environment = environment;
        this.holder = holder;
        this.refresher = refresher;
    }

    @Override
    public void afterSingletonsInstantiated() {
        apply("startup");
    }

    @Override
    public void onApplicationEvent(EnvironmentChangeEvent event) {
        String source = SOURCE.get();
        apply(source != null ? source : "refresh");
    }

    /**
     * Re-reads every property source (config files included) and applies the result. Blocking:
     * call it from a background thread, never an event loop.
     */
    public ReloadResult reload(String source) {
        SOURCE.set(source);
        try {
            refresher.refresh();
        } catch (RuntimeException e) {
            return holder.reject(source, List.of(describe(e)));
        } finally {
            SOURCE.remove();
        }
        return holder.lastResult();
    }

    /**
     * Binds and applies the environment as it stands, without re-reading any source: for a source
     * that has just put its new contents into the environment itself (the ConfigMap watch).
     */
    public ReloadResult applyNow(String source) {
        apply(source);
        return holder.lastResult();
    }

    /** One at a time: a bind from an older environment must not be applied after a newer one. */
    private synchronized void apply(String source) {
        try {
            holder.apply(ConfigBinding.bind(environment), source);
        } catch (InvalidConfigException e) {
            holder.reject(source, e.errors());
        }
    }

    private static String describe(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = String.valueOf(root.getMessage()).strip().replace('\n', ' ');
        return "cannot read the configuration: " + message;
    }
}
