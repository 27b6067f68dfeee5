package io.outrigger.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.outrigger.config.ConfigBinding;
import io.outrigger.config.OutriggerProperties;
import io.outrigger.discovery.ServiceCatalog;
import io.outrigger.discovery.ServiceWatch;
import io.outrigger.snapshot.ConfigReloader;
import io.outrigger.snapshot.SnapshotHolder;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnCloudPlatform;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.cloud.CloudPlatform;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * The routes from a ConfigMap when Outrigger runs in a cluster: a watch on the ConfigMap that
 * feeds its {@code application.yaml} into the environment and applies each change, and Warning
 * Events on the pod for refused ones. The Kubernetes client is Spring Cloud Kubernetes's
 * ({@code spring.cloud.kubernetes.client.*}). {@code spring.cloud.kubernetes.config.enabled=false}
 * turns the watch off, for a ConfigMap mounted as a file instead.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnCloudPlatform(CloudPlatform.KUBERNETES)
class KubernetesConfiguration {

    /** Only where there is a client, which Spring Cloud Kubernetes makes when its API access is enabled. */
    @Bean(destroyMethod = "close")
    @ConditionalOnProperty(name = "spring.cloud.kubernetes.config.enabled", havingValue = "true", matchIfMissing = true)
    ConfigMapWatcher configMapWatcher(ObjectProvider<KubernetesClient> client, ConfigurableEnvironment environment,
            ConfigReloader reloader, SnapshotHolder snapshots, MeterRegistry registry) {
        KubernetesClient kubernetes = client.getIfAvailable();
        if (kubernetes == null) {
            return null;
        }
        return new ConfigMapWatcher(kubernetes, namespace(kubernetes, environment), configMapName(environment),
                new ConfigMapSource(environment), reloader, snapshots, registry);
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

    /**
     * Services and EndpointSlices as clusters and endpoints, with {@code outrigger.discovery.enabled}
     * (the manifests set it) and a client.
     */
    @Bean(name = "discovery", destroyMethod = "close")
    @ConditionalOnProperty(name = "outrigger.discovery.enabled", havingValue = "true")
    ServiceWatch serviceWatch(ObjectProvider<KubernetesClient> client, ConfigurableEnvironment environment,
            ServiceCatalog catalog, SnapshotHolder snapshots, MeterRegistry registry) {
        KubernetesClient kubernetes = client.getIfAvailable();
        if (kubernetes == null) {
            return null;
        }
        OutriggerProperties all = ConfigBinding.bindOrDefaults(environment);
        OutriggerProperties.Discovery settings = all.discovery();
        // Meshed pods matter only to auto mTLS, which needs this pod's own identity to present.
        boolean meshedPods = settings.autoMtls() && all.tls().configured();
        return new ServiceWatch(kubernetes, settings.namespaces(), meshedPods, all.identity().node(), catalog,
                snapshots::rediscover, registry);
    }

    @Bean(destroyMethod = "close")
    RejectionEvents rejectionEvents(ObjectProvider<KubernetesClient> client, SnapshotHolder snapshots,
            ConfigurableEnvironment environment) {
        KubernetesClient kubernetes = client.getIfAvailable();
        RejectionEvents events = new RejectionEvents(kubernetes, namespace(kubernetes, environment),
                ConfigBinding.identity(environment).pod(), ConfigBinding.identity(environment).podUid());
        if (kubernetes != null) {
            snapshots.onReload(events::onReload);
        }
        return events;
    }
}
