package io.outrigger;

import io.outrigger.injection.InjectCommand;
import io.outrigger.injection.InjectorApplication;
import io.outrigger.listener.Drainer;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * Outrigger, a service-mesh sidecar proxy.
 *
 * <p>The auto-configurations left out are what a sidecar does not use, each a few dozen classes
 * loaded and beans made at every start: Spring Cloud's refresh endpoint (Outrigger's own
 * {@code /actuator/refresh} answers with the reload's result), its client-side discovery, load
 * balancing and service registration (Outrigger balances and resolves its own clusters), AOP,
 * Spring's task executor and scheduler (the data plane runs on its event loops), multipart and
 * web sessions on the management port, a Jackson 2 mapper for actuator, whose JSON comes from
 * Jackson 3, observations of the management port's own requests, health and metrics of Spring's
 * SSL bundles (Outrigger's certificates are its own, reported at {@code /actuator/certs}), the
 * disk-space health check (a sidecar writes nothing to disk), and Spring Cloud's check of the
 * Spring Boot version, which the build already fixes. Named here rather than in
 * {@code spring.autoconfigure.exclude}, so that a user's own exclusions add to these instead of
 * replacing them.
 */
@SpringBootApplication(excludeName = {
        "org.springframework.cloud.autoconfigure.RefreshEndpointAutoConfiguration",
        "org.springframework.cloud.client.CommonsClientAutoConfiguration",
        "org.springframework.cloud.client.ReactiveCommonsClientAutoConfiguration",
        "org.springframework.cloud.client.discovery.composite.CompositeDiscoveryClientAutoConfiguration",
        "org.springframework.cloud.client.discovery.composite.reactive.ReactiveCompositeDiscoveryClientAutoConfiguration",
        "org.springframework.cloud.client.discovery.simple.SimpleDiscoveryClientAutoConfiguration",
        "org.springframework.cloud.client.discovery.simple.reactive.SimpleReactiveDiscoveryClientAutoConfiguration",
        "org.springframework.cloud.client.loadbalancer.LoadBalancerDefaultMappingsProviderAutoConfiguration",
        "org.springframework.cloud.client.serviceregistry.AutoServiceRegistrationAutoConfiguration",
        "org.springframework.cloud.client.serviceregistry.ServiceRegistryAutoConfiguration",
        "org.springframework.cloud.commons.util.UtilAutoConfiguration",
        "org.springframework.cloud.kubernetes.commons.discovery.KubernetesDiscoveryPropertiesAutoConfiguration",
        "org.springframework.cloud.autoconfigure.LifecycleMvcEndpointAutoConfiguration",
        "org.springframework.boot.autoconfigure.aop.AopAutoConfiguration",
        "org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration",
        "org.springframework.boot.autoconfigure.task.TaskSchedulingAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.task.TaskExecutorMetricsAutoConfiguration",
        "org.springframework.boot.micrometer.observation.autoconfigure.ScheduledTasksObservationAutoConfiguration",
        "org.springframework.boot.webflux.autoconfigure.ReactiveMultipartAutoConfiguration",
        "org.springframework.boot.webflux.autoconfigure.WebSessionIdResolverAutoConfiguration",
        "org.springframework.boot.actuate.autoconfigure.endpoint.jackson.Jackson2EndpointAutoConfiguration",
        "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration",
        "org.springframework.boot.webflux.autoconfigure.WebFluxObservationAutoConfiguration",
        "org.springframework.boot.health.autoconfigure.application.SslHealthContributorAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.ssl.SslMetricsAutoConfiguration",
        "org.springframework.boot.health.autoconfigure.application.DiskSpaceHealthContributorAutoConfiguration",
        "org.springframework.cloud.configuration.CompatibilityVerifierAutoConfiguration"
})
public class OutriggerApplication {

    public static void main(String[] args) {
        if (InjectCommand.handles(args)) {   // outrigger inject / check-inject: offline, no Spring
            System.exit(InjectCommand.run(args, System.in, System.out, System.err));
        }
        if (args.length > 0 && args[0].equals("injector")) {   // the admission webhook instead of the sidecar
            InjectorApplication.main(java.util.Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        SpringApplication.run(OutriggerApplication.class, args).getBean(Drainer.class).handleSigterm();
    }
}
