package io.outrigger.kubernetes;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.ConfigMap;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.ByteArrayResource;

/**
 * The routes ConfigMap's {@code application.yaml}, as a property source of the environment,
 * above every config file and below environment variables, system properties and the command
 * line. Replaced whole on every change; a refresh of the environment (a file edit,
 * {@code /actuator/refresh}) leaves it in place.
 */
final class ConfigMapSource {

    static final String KEY = "application.yaml";
    private static final String NAME = "outrigger-configmap";

    private final ConfigurableEnvironment environment;

    ConfigMapSource(ConfigurableEnvironment environment) {
        this.environment = environment;
    }

    /**
     * Parses the ConfigMap's {@code application.yaml} and puts it in the environment.
     *
     * @throws IllegalArgumentException saying what is wrong with it (no such key, bad YAML)
     */
    void update(ConfigMap configMap) {
        String yaml = configMap.getData() == null ? null : configMap.getData().get(KEY);
        if (yaml == null) {
            throw new IllegalArgumentException("has no '" + KEY + "' key (keys: "
                    + (configMap.getData() == null ? "none" : configMap.getData().keySet()) + ")");
        }
        Map<String, Object> properties = new LinkedHashMap<>();
        try {
            List<PropertySource<?>> documents = new YamlPropertySourceLoader()
                    .load(NAME, new ByteArrayResource(yaml.getBytes(StandardCharsets.UTF_8)));
            // Later documents of a multi-document file win, as in Spring Boot's own loading.
            for (PropertySource<?> document : documents) {
                EnumerablePropertySource<?> enumerable = (EnumerablePropertySource<?>) document;
                for (String name : enumerable.getPropertyNames()) {
                    properties.put(name, enumerable.getProperty(name));
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("'" + KEY + "' is not valid YAML: " + describe(e));
        }
        MapPropertySource source = new MapPropertySource(NAME, properties);
        MutablePropertySources sources = environment.getPropertySources();
        if (sources.contains(NAME)) {
            sources.replace(NAME, source);
        } else if (sources.contains(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME)) {
            sources.addAfter(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, source);
        } else {
            sources.addFirst(source);
        }
    }

    /** The parser's message (which names the line and column), on one line. */
    private static String describe(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = String.valueOf(root.getMessage()).replaceAll("\\s+", " ").strip();
        return message.length() > 400 ? message.substring(0, 399) + "…" : message;
    }
}
