package io.outrigger.kubernetes;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.TreeMap;

import io.outrigger.config.SourceGuard;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cloud.bootstrap.config.BootstrapPropertySource;
import org.springframework.cloud.kubernetes.fabric8.config.Fabric8ConfigMapPropertySource;
import org.springframework.core.env.CompositePropertySource;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.PropertySource;

/**
 * Keeps a deleted (or unreadable) ConfigMap from wiping the routes. Spring Cloud Kubernetes
 * represents a ConfigMap it cannot find as an empty property source and refreshes; bound as is,
 * that would turn the routes back into the built-in defaults. Once a ConfigMap has been applied,
 * a refresh in which it has no data is refused and the last good snapshot keeps serving.
 */
final class ConfigMapGuard implements SourceGuard {

    private static final Logger log = LoggerFactory.getLogger(ConfigMapGuard.class);

    private final String name;
    private volatile String acceptedData;

    ConfigMapGuard(String name) {
        this.name = name;
    }

    @Override
    public String refusal(ConfigurableEnvironment environment) {
        if (acceptedData != null && data(environment).isEmpty()) {
            log.warn("ConfigMap '{}' is gone or empty (deleted, or the API server did not answer): keeping the last good routes", name);
            return "ConfigMap '" + name + "' is gone or empty: the last good routes keep serving until it is back";
        }
        return null;
    }

    @Override
    public void accepted(ConfigurableEnvironment environment) {
        String data = data(environment);
        acceptedData = data.isEmpty() ? acceptedData : data;
    }

    /** Every property the ConfigMap contributed, in a stable text form; empty when it has none. */
    static String data(ConfigurableEnvironment environment) {
        TreeMap<String, Object> all = new TreeMap<>();
        Deque<PropertySource<?>> sources = new ArrayDeque<>();
        environment.getPropertySources().forEach(sources::add);
        while (!sources.isEmpty()) {
            PropertySource<?> source = sources.poll();
            if (source instanceof CompositePropertySource composite) {
                sources.addAll(composite.getPropertySources());
            } else if (source instanceof BootstrapPropertySource<?> bootstrap) {
                sources.add(bootstrap.getDelegate());
            } else if (source instanceof Fabric8ConfigMapPropertySource configMap) {
                for (String key : ((EnumerablePropertySource<?>) configMap).getPropertyNames()) {
                    all.put(key, configMap.getProperty(key));
                }
            }
        }
        return all.isEmpty() ? "" : all.toString();
    }
}
