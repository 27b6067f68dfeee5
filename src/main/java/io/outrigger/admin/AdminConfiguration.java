package io.outrigger.admin;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.outrigger.listener.Drainer;
import io.outrigger.listener.ListenerManager;
import io.outrigger.snapshot.ConfigReloader;
import io.outrigger.snapshot.SnapshotHolder;
import io.outrigger.tls.MutualTls;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;

/** The management port's own endpoints, health and access rule, beside Spring Boot's. */
@Configuration(proxyBeanMethods = false)
class AdminConfiguration {

    @Bean
    LoopbackOnlyWriteFilter loopbackOnlyWriteFilter() {
        return new LoopbackOnlyWriteFilter();
    }

    /** Named "outrigger": the readiness group includes it by that name. */
    @Bean(name = "outrigger")
    ReadinessIndicator outriggerReadiness(ListenerManager listeners, SnapshotHolder snapshots, MutualTls mutualTls) {
        return new ReadinessIndicator(listeners, snapshots, mutualTls);
    }

    @Bean
    ConfigInfoContributor configInfoContributor(SnapshotHolder snapshots) {
        return new ConfigInfoContributor(snapshots);
    }

    @Bean
    RoutesEndpoint routesEndpoint(SnapshotHolder snapshots) {
        return new RoutesEndpoint(snapshots);
    }

    @Bean
    ClustersEndpoint clustersEndpoint(SnapshotHolder snapshots) {
        return new ClustersEndpoint(snapshots);
    }

    @Bean
    ListenersEndpoint listenersEndpoint(ListenerManager listeners) {
        return new ListenersEndpoint(listeners);
    }

    @Bean
    CertsEndpoint certsEndpoint(MutualTls mutualTls) {
        return new CertsEndpoint(mutualTls);
    }

    @Bean
    ConfigDumpEndpoint configDumpEndpoint(SnapshotHolder snapshots) {
        return new ConfigDumpEndpoint(snapshots);
    }

    /** The application's HTTP probes through the management port ({@code OUTRIGGER_APP_PROBES}, set by the injector). */
    @Bean
    RouterFunction<ServerResponse> appHealthRoutes(Environment environment) {
        return AppHealth.of(environment.getProperty("OUTRIGGER_APP_PROBES")).routes();
    }

    /** The sidecar's and the application's metrics in one scrape ({@code OUTRIGGER_APP_METRICS}, set by the injector). */
    @Bean
    RouterFunction<ServerResponse> mergedMetricsRoutes(PrometheusMeterRegistry registry, Environment environment) {
        return MergedMetrics.of(registry, environment.getProperty("OUTRIGGER_APP_METRICS")).routes();
    }

    @Bean
    DrainEndpoint drainEndpoint(Drainer drainer) {
        return new DrainEndpoint(drainer);
    }

    @Bean
    RefreshEndpoint refreshEndpoint(ConfigReloader reloader) {
        return new RefreshEndpoint(reloader);
    }
}
