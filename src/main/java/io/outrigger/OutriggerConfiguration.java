package io.outrigger;

import java.time.Clock;
import java.util.List;

import io.outrigger.cluster.AddressResolver;
import io.outrigger.cluster.ClusterManager;
import io.outrigger.config.ConfigBinding;
import io.outrigger.config.ConfigFileWatcher;
import io.outrigger.config.ConfigReloader;
import io.outrigger.config.SnapshotHolder;
import io.outrigger.interception.OriginalDestination;
import io.outrigger.listener.ListenerManager;
import io.outrigger.netty.EventLoops;
import io.outrigger.pipeline.InboundStack;
import io.outrigger.pipeline.OutboundStack;
import io.outrigger.pipeline.ProxyFilter;
import io.outrigger.telemetry.AccessLog;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.cloud.context.refresh.ContextRefresher;
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

    @Bean
    ClusterManager clusterManager(EventLoops eventLoops) {
        return new ClusterManager(eventLoops, AddressResolver.SYSTEM);
    }

    @Bean
    SnapshotHolder snapshotHolder(ClusterManager clusterManager) {
        return new SnapshotHolder(clusterManager, Clock.systemUTC());
    }

    @Bean
    ConfigReloader configReloader(ConfigurableEnvironment environment, SnapshotHolder snapshotHolder,
            ContextRefresher contextRefresher) {
        return new ConfigReloader(environment, snapshotHolder, contextRefresher);
    }

    @Bean
    ConfigFileWatcher configFileWatcher(ConfigurableEnvironment environment, ConfigReloader configReloader) {
        return new ConfigFileWatcher(environment, configReloader);
    }

    @Bean
    AccessLog accessLog() {
        return new AccessLog(System.out);
    }

    /** Where redirected connections learn their original destination; none outside iptables. */
    @Bean
    @ConditionalOnMissingBean
    OriginalDestination originalDestination() {
        return OriginalDestination.NONE;
    }

    @Bean
    ListenerManager listenerManager(SnapshotHolder snapshotHolder, EventLoops eventLoops, AccessLog accessLog,
            ObjectProvider<ProxyFilter> userFilters, OriginalDestination originalDestination,
            ConfigurableEnvironment environment) {
        List<ProxyFilter> filters = userFilters.orderedStream().toList();
        return new ListenerManager(snapshotHolder, eventLoops,
                OutboundStack.build(accessLog, filters), InboundStack.build(accessLog, filters), originalDestination,
                () -> ConfigBinding.bindOrDefaults(environment));
    }
}
