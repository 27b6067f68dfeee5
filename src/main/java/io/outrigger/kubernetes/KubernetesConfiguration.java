package io.outrigger.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.outrigger.config.ConfigBinding;
import io.outrigger.config.ConfigReloader;
import io.outrigger.config.SnapshotHolder;
import io.outrigger.config.SourceGuard;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnCloudPlatform;
import org.springframework.boot.cloud.CloudPlatform;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * What Outrigger adds to Spring Cloud Kubernetes's ConfigMap reload when it runs in a cluster:
 * a watch on the routes ConfigMap, the guard against its deletion and the Events for refused
 * edits. The ConfigMap itself is a property source of Spring Cloud Kubernetes's (the
 * {@code kubernetes:} config import in {@code application.yaml}); a change refreshes the
 * environment and ends in the same validate-compile-swap path as a file edit.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnCloudPlatform(CloudPlatform.KUBERNETES)
class KubernetesConfiguration {

    @Bean
    SourceGuard configMapGuard(ConfigurableEnvironment environment) {
        return new ConfigMapGuard(configMapName(environment));
    }

    /** Only where there is a client, which Spring Cloud Kubernetes makes when its API access is enabled. */
    @Bean
    ConfigMapWatcher configMapWatcher(ObjectProvider<KubernetesClient> client, ConfigurableEnvironment environment,
            ConfigReloader reloader, MeterRegistry registry) {
        KubernetesClient kubernetes = client.getIfAvailable();
        if (kubernetes == null) {
            return null;
        }
        return new ConfigMapWatcher(kubernetes, namespace(kubernetes, environment), configMapName(environment), reloader, registry);
    }

    static String configMapName(ConfigurableEnvironment environment) {
        return environment.getProperty("spring.cloud.kubernetes.config.name",
                environment.getProperty("spring.application.name", "outrigger"));
    }

    static String namespace(KubernetesClient kubernetes, ConfigurableEnvironment environment) {
        return kubernetes != null && kubernetes.getNamespace() != null
                ? kubernetes.getNamespace()
                : ConfigBinding.identity(environment).namespace();
    }

    @Bean(destroyMethod = "close")
    RejectionEvents rejectionEvents(ObjectProvider<KubernetesClient> client, SnapshotHolder snapshots,
            ConfigurableEnvironment environment) {
        KubernetesClient kubernetes = client.getIfAvailable();
        RejectionEvents events = new RejectionEvents(kubernetes, namespace(kubernetes, environment),
                ConfigBinding.identity(environment).pod());
        if (kubernetes != null) {
            snapshots.onReload(events::onReload);
        }
        return events;
    }
}
