package io.outrigger.config;

import java.util.List;

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
    private final List<SourceGuard> guards;

    public ConfigReloader(ConfigurableEnvironment environment, SnapshotHolder holder, ContextRefresher refresher,
            List<SourceGuard> guards) {
        this.environment = environment;
        this.holder = holder;
        this.refresher = refresher;
        this.guards = List.copyOf(guards);
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

    private void apply(String source) {
        for (SourceGuard guard : guards) {
            String refusal = guard.refusal(environment);
            if (refusal != null) {
                holder.reject(source, List.of(refusal));
                return;
            }
        }
        try {
            if (holder.apply(ConfigBinding.bind(environment), source).outcome() != ReloadResult.Outcome.REJECTED) {
                guards.forEach(guard -> guard.accepted(environment));
            }
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
