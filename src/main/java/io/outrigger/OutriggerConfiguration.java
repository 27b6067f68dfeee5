package io.outrigger;

import java.time.Clock;
import java.util.List;

import io.micrometer.core.instrument.MeterRegistry;
import io.outrigger.cluster.AddressResolver;
import io.outrigger.cluster.ClusterManager;
import io.outrigger.config.ConfigBinding;
import io.outrigger.config.ConfigFileWatcher;
import io.outrigger.config.OutriggerProperties;
import io.outrigger.discovery.Locality;
import io.outrigger.discovery.ServiceCatalog;
import io.outrigger.interception.LinuxOriginalDestination;
import io.outrigger.interception.OriginalDestination;
import io.outrigger.listener.Drainer;
import io.outrigger.listener.ListenerManager;
import io.outrigger.listener.ListenerMeters;
import io.outrigger.netty.EventLoops;
import io.outrigger.pipeline.InboundStack;
import io.outrigger.pipeline.OutboundStack;
import io.outrigger.pipeline.ProxyFilter;
import io.outrigger.snapshot.ConfigReloader;
import io.outrigger.snapshot.Snapshot;
import io.outrigger.snapshot.SnapshotHolder;
import io.outrigger.snapshot.SnapshotMeters;
import io.outrigger.tcp.TcpProxy;
import io.outrigger.telemetry.AccessLog;
import io.outrigger.telemetry.RequestMetrics;
import io.outrigger.telemetry.TcpMetrics;
import io.outrigger.tls.MtlsOrigination;
import io.outrigger.tls.MutualTls;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.cloud.context.refresh.ContextRefresher;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.ConfigurableEnvironment;

/** Wires the data plane: event loops, clusters, the config holder and its sources, the listeners. */
@Configuration(proxyBeanMethods = false)
class OutriggerConfiguration {

    /** One set of event loops for listeners and upstream clients, so a request never changes thread. */
    @Bean(destroyMethod = "dispose")
    EventLoops eventLoops() {
        return new EventLoops(Math.max(1, Runtime.getRuntime().availableProcessors()));
    }

    /** The pod's SPIFFE identity; its file paths are read once, at start, their contents every second. */
    @Bean(destroyMethod = "close")
    MutualTls mutualTls(ConfigurableEnvironment environment, MeterRegistry registry) {
        return new MutualTls(ConfigBinding.tls(environment), Clock.systemUTC(), registry);
    }

    /** How cluster endpoints' names are resolved: the system's resolver (a test may supply its own). */
    @Bean
    @ConditionalOnMissingBean
    AddressResolver addressResolver() {
        return AddressResolver.SYSTEM;
    }

    @Bean
    MtlsOrigination mtlsOrigination(MutualTls mutualTls) {
        return new MtlsOrigination(mutualTls);
    }

    /**
     * Discovered Services and endpoints: empty unless discovery watches the API server (see
     * KubernetesConfiguration). Locality and the trust domain are read once, at start.
     */
    @Bean
    ServiceCatalog serviceCatalog(ConfigurableEnvironment environment) {
        OutriggerProperties settings = ConfigBinding.bindOrDefaults(environment);
        String zone = settings.identity().zone();
        Locality locality = new Locality(zone == null || zone.isBlank() ? null : zone,
                settings.discovery().preferSameZone(), settings.discovery().localityFailoverPercent());
        return new ServiceCatalog(locality, settings.identity().trustDomain());
    }

    @Bean
    ClusterManager clusterManager(EventLoops eventLoops, MtlsOrigination mtlsOrigination, AddressResolver addressResolver,
            ServiceCatalog serviceCatalog) {
        return new ClusterManager(eventLoops, addressResolver, mtlsOrigination, serviceCatalog);
    }

    @Bean
    SnapshotHolder snapshotHolder(ClusterManager clusterManager, ServiceCatalog serviceCatalog) {
        SnapshotHolder holder = new SnapshotHolder(clusterManager, Clock.systemUTC(), OutboundStack.ROUTE_POLICIES);
        holder.discoveredServices(serviceCatalog::services);
        return holder;
    }

    @Bean
    ConfigReloader configReloader(ConfigurableEnvironment environment, SnapshotHolder snapshotHolder,
            ContextRefresher contextRefresher) {
        return new ConfigReloader(environment, snapshotHolder, contextRefresher);
    }

    @Bean
    ConfigFileWatcher configFileWatcher(ConfigurableEnvironment environment, ConfigReloader configReloader) {
        return new ConfigFileWatcher(environment, configReloader::reload);
    }

    @Bean
    AccessLog accessLog() {
        return new AccessLog();
    }

    /** The pod's identity labels are read once, at start: they do not change while a pod lives. */
    @Bean
    RequestMetrics requestMetrics(MeterRegistry registry, ConfigurableEnvironment environment, SnapshotHolder snapshotHolder,
            MutualTls mutualTls) {
        RequestMetrics metrics = new RequestMetrics(registry, ConfigBinding.identity(environment), ownPrincipal(mutualTls));
        onClustersChanged(snapshotHolder, metrics::retainOnly);
        return metrics;
    }

    @Bean
    TcpMetrics tcpMetrics(MeterRegistry registry, ConfigurableEnvironment environment, SnapshotHolder snapshotHolder,
            MutualTls mutualTls) {
        TcpMetrics metrics = new TcpMetrics(registry, ConfigBinding.identity(environment), ownPrincipal(mutualTls));
        onClustersChanged(snapshotHolder, metrics::retainOnly);
        return metrics;
    }

    /** After each applied reload, {@code retain} learns the clusters now live (the meters of others go). */
    private static void onClustersChanged(SnapshotHolder snapshotHolder,
            java.util.function.Consumer<java.util.Collection<io.outrigger.cluster.Cluster>> retain) {
        snapshotHolder.onReload(result -> {
            Snapshot live = snapshotHolder.current();
            if (result.outcome() == io.outrigger.snapshot.ReloadResult.Outcome.APPLIED && live != null) {
                retain.accept(live.clusters().values());
            }
        });
    }

    /** Where redirected connections learn their original destination: netfilter's record, on Linux. */
    @Bean
    @ConditionalOnMissingBean
    OriginalDestination originalDestination() {
        return LinuxOriginalDestination.supported() ? new LinuxOriginalDestination() : OriginalDestination.NONE;
    }

    @Bean
    ListenerManager listenerManager(SnapshotHolder snapshotHolder, EventLoops eventLoops, AccessLog accessLog,
            RequestMetrics requestMetrics, ObjectProvider<ProxyFilter> userFilters,
            OriginalDestination originalDestination, ConfigurableEnvironment environment, TcpMetrics tcpMetrics,
            MutualTls mutualTls, MtlsOrigination mtlsOrigination, MeterRegistry registry) {
        List<ProxyFilter> filters = userFilters.orderedStream().toList();
        return new ListenerManager(snapshotHolder, eventLoops,
                OutboundStack.build(accessLog, requestMetrics, filters),
                InboundStack.build(accessLog, requestMetrics, filters, mutualTls), originalDestination,
                () -> ConfigBinding.bindOrDefaults(environment),
                new TcpProxy(eventLoops.resources(), mtlsOrigination, accessLog::record), tcpMetrics, mutualTls, registry);
    }

    private static java.util.function.Supplier<String> ownPrincipal(MutualTls mutualTls) {
        return () -> mutualTls.identity() == null ? null : mutualTls.identity().spiffeId();
    }

    @Bean
    SnapshotMeters snapshotMeters(SnapshotHolder snapshotHolder) {
        return new SnapshotMeters(snapshotHolder);
    }

    @Bean
    ListenerMeters listenerMeters(ListenerManager listenerManager) {
        return new ListenerMeters(listenerManager);
    }

    /**
     * Drains on POST /actuator/drain, and on SIGTERM once {@link OutriggerApplication#main} has
     * taken the signal over; then closes the application and exits 0.
     */
    @Bean
    Drainer drainer(ListenerManager listenerManager, SnapshotHolder snapshotHolder, ConfigurableApplicationContext context) {
        return new Drainer(listenerManager, () -> {
            Snapshot snapshot = snapshotHolder.current();
            return snapshot == null ? java.time.Duration.ofSeconds(5) : snapshot.settings().drain().timeout();
        }, () -> System.exit(SpringApplication.exit(context)));
    }
}
