package io.outrigger.injection;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * Puts Outrigger into a pod, as {@code manifests/httpbin.yaml} has it by hand: {@code outrigger-init}
 * (only {@code NET_ADMIN} and {@code NET_RAW}) and the sidecar as a native sidecar (an init container
 * with {@code restartPolicy: Always}, uid 1337, read-only root, no capabilities, a startup probe on
 * readiness), ahead of the pod's own init containers; the routes ConfigMap mounted where the sidecar
 * watches its config file; with a certificate Secret, the pod's identity and the label that tells
 * other sidecars to reach it with mTLS; Prometheus scrape annotations, merging the application's
 * own metrics into the sidecar's scrape when it has them ({@link AppMetrics});
 * the application's HTTP probes through the sidecar ({@link AppProbes}); and
 * {@value InjectionPolicy#STATUS_ANNOTATION} recording what was added. The pod given is not changed.
 */
public final class PodInjector {

    static final String INIT = "outrigger-init";
    static final String SIDECAR = "outrigger";
    static final String MESHED_LABEL = "security.outrigger.io/tlsMode";
    static final String CPU_ANNOTATION = "outrigger.io/proxy-cpu";
    static final String MEMORY_ANNOTATION = "outrigger.io/proxy-memory";
    private static final String CONFIG_VOLUME = "outrigger-config";
    private static final String IDENTITY_VOLUME = "outrigger-identity";
    private static final String TMP_VOLUME = "outrigger-tmp";

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private final SidecarTemplate template;

    public PodInjector(SidecarTemplate template) {
        this.template = template;
    }

    /** The pod with Outrigger in it; an annotation that does not parse is refused, naming it. */
    public Pod inject(Pod pod) throws InjectionException {
        Map<String, String> annotations = pod.getMetadata().getAnnotations() == null ? Map.of() : pod.getMetadata().getAnnotations();
        List<String> initArgs = CaptureRules.arguments(pod);
        Quantity cpu = quantity(annotations, CPU_ANNOTATION, template.cpu());
        Quantity memory = quantity(annotations, MEMORY_ANNOTATION, template.memory());
        Quantity memoryLimit = annotations.containsKey(MEMORY_ANNOTATION) ? memory : template.memoryLimit();
        String account = pod.getSpec().getServiceAccountName() == null ? "default" : pod.getSpec().getServiceAccountName();
        boolean identity = template.certificateSecret() != null;
        AppProbes probes = AppProbes.rewrite(pod.getSpec().getContainers());

        List<Volume> volumes = new ArrayList<>(List.of(
                new VolumeBuilder().withName(TMP_VOLUME).withNewEmptyDir().withMedium("Memory").withSizeLimit(new Quantity("16Mi"))
                        .endEmptyDir().build(),
                new VolumeBuilder().withName(CONFIG_VOLUME).withNewConfigMap().withName(template.configMap()).withOptional(true)
                        .endConfigMap().build()));
        if (identity) {
            volumes.add(new VolumeBuilder().withName(IDENTITY_VOLUME).withNewSecret()
                    .withSecretName(template.certificateSecret().replace("{serviceAccount}", account)).endSecret().build());
        }
        Map<String, String> status = new LinkedHashMap<>();
        status.put("initContainers", INIT + "," + SIDECAR);
        status.put("volumes", String.join(",", volumes.stream().map(Volume::getName).toList()));
        status.put("image", template.image());

        PodBuilder injected = new PodBuilder(pod);
        injected.editMetadata().addToAnnotations(InjectionPolicy.STATUS_ANNOTATION, json(status)).endMetadata();
        String appMetrics = AppMetrics.of(annotations);
        if (appMetrics != null) {
            // Metrics merging: one scrape of the sidecar returns both (the application's read on 127.0.0.1).
            injected.editMetadata().addToAnnotations("prometheus.io/port", "15020")
                    .addToAnnotations("prometheus.io/path", "/stats/prometheus").endMetadata();
        } else if (!annotations.containsKey("prometheus.io/scrape")) {
            injected.editMetadata().addToAnnotations("prometheus.io/scrape", "true").addToAnnotations("prometheus.io/port", "15020")
                    .addToAnnotations("prometheus.io/path", "/actuator/prometheus").endMetadata();
        }
        if (identity) {
            injected.editMetadata().addToLabels(MESHED_LABEL, "outrigger").endMetadata();
        }
        Container sidecar = sidecar(pod, cpu, memory, memoryLimit, identity);
        if (probes.json() != null) {
            sidecar.getEnv().add(new EnvVar(AppProbes.ENV, probes.json(), null));
        }
        if (appMetrics != null) {
            sidecar.getEnv().add(new EnvVar(AppMetrics.ENV, appMetrics, null));
        }
        List<Container> inits = new ArrayList<>(List.of(init(initArgs), sidecar));
        inits.addAll(pod.getSpec().getInitContainers());
        injected.editSpec().withInitContainers(inits).withContainers(probes.containers()).addAllToVolumes(volumes).endSpec();
        return injected.build();
    }

    private Container init(List<String> args) {
        return new ContainerBuilder().withName(INIT).withImage(template.image()).withCommand(args)
                .withNewSecurityContext().withRunAsUser(0L).withRunAsNonRoot(false).withAllowPrivilegeEscalation(false)
                .withReadOnlyRootFilesystem(false)   // iptables takes its lock in /run
                .withNewCapabilities().withDrop("ALL").withAdd("NET_ADMIN", "NET_RAW").endCapabilities().endSecurityContext()
                .withNewResources().addToRequests("cpu", new Quantity("10m")).addToRequests("memory", new Quantity("16Mi"))
                .addToLimits("memory", new Quantity("64Mi")).endResources()
                .build();
    }

    private Container sidecar(Pod pod, Quantity cpu, Quantity memory, Quantity memoryLimit, boolean identity) {
        List<EnvVar> env = new ArrayList<>(List.of(
                field("OUTRIGGER_IDENTITY_POD", "metadata.name"),
                field("OUTRIGGER_IDENTITY_POD_UID", "metadata.uid"),
                field("OUTRIGGER_IDENTITY_NAMESPACE", "metadata.namespace"),
                field("OUTRIGGER_IDENTITY_SERVICE_ACCOUNT", "spec.serviceAccountName"),
                field("OUTRIGGER_IDENTITY_NODE", "spec.nodeName"),
                new EnvVar("OUTRIGGER_IDENTITY_WORKLOAD", workload(pod), null),
                new EnvVar("OUTRIGGER_DISCOVERY_ENABLED", "true", null),
                // The routes come from the mounted ConfigMap: a pod's own service account may not read ConfigMaps.
                new EnvVar("SPRING_CLOUD_KUBERNETES_CONFIG_ENABLED", "false", null)));
        List<VolumeMount> mounts = new ArrayList<>(List.of(
                mount(TMP_VOLUME, "/tmp", false),   // Netty unpacks its native epoll library here
                mount(CONFIG_VOLUME, "/etc/outrigger/config", true)));
        if (identity) {
            env.add(new EnvVar("OUTRIGGER_TLS_CERT_CHAIN", "/etc/outrigger/identity/tls.crt", null));
            env.add(new EnvVar("OUTRIGGER_TLS_PRIVATE_KEY", "/etc/outrigger/identity/tls.key", null));
            env.add(new EnvVar("OUTRIGGER_TLS_TRUST_BUNDLE", "/etc/outrigger/identity/ca.crt", null));
            mounts.add(mount(IDENTITY_VOLUME, "/etc/outrigger/identity", true));
        }
        return new ContainerBuilder().withName(SIDECAR).withImage(template.image()).withRestartPolicy("Always")
                .addNewPort().withName("outrigger-admin").withContainerPort(15020).endPort()
                .withEnv(env)
                .withNewStartupProbe().withNewHttpGet().withPath("/actuator/health/readiness").withNewPort(15020).endHttpGet()
                .withPeriodSeconds(1).withFailureThreshold(60).endStartupProbe()
                .withNewReadinessProbe().withNewHttpGet().withPath("/actuator/health/readiness").withNewPort(15020).endHttpGet()
                .withPeriodSeconds(5).endReadinessProbe()
                .withNewLivenessProbe().withNewHttpGet().withPath("/actuator/health/liveness").withNewPort(15020).endHttpGet()
                .withPeriodSeconds(10).endLivenessProbe()
                .withNewResources().addToRequests("cpu", cpu).addToRequests("memory", memory).addToLimits("memory", memoryLimit)
                .endResources()
                .withNewSecurityContext().withRunAsUser(1337L).withRunAsGroup(1337L).withRunAsNonRoot(true)
                .withAllowPrivilegeEscalation(false).withReadOnlyRootFilesystem(true)
                .withNewCapabilities().withDrop("ALL").endCapabilities().endSecurityContext()
                .withVolumeMounts(mounts)
                .build();
    }

    /** The workload's name for the metrics: the pod's {@code app.kubernetes.io/name} or {@code app} label, else "unknown". */
    private static String workload(Pod pod) {
        Map<String, String> labels = pod.getMetadata().getLabels() == null ? Map.of() : pod.getMetadata().getLabels();
        return labels.getOrDefault("app.kubernetes.io/name", labels.getOrDefault("app", "unknown"));
    }

    private static VolumeMount mount(String volume, String path, boolean readOnly) {
        return new VolumeMountBuilder().withName(volume).withMountPath(path).withReadOnly(readOnly).build();
    }

    private static EnvVar field(String name, String path) {
        return new EnvVarBuilder().withName(name).withNewValueFrom().withNewFieldRef().withFieldPath(path).endFieldRef()
                .endValueFrom().build();
    }

    private static Quantity quantity(Map<String, String> annotations, String name, Quantity fallback) throws InjectionException {
        String value = annotations.get(name);
        if (value == null) {
            return fallback;
        }
        try {
            Quantity quantity = new Quantity(value.strip());
            Quantity.getAmountInBytes(quantity);   // throws for what is not a quantity
            return quantity;
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new InjectionException("annotation " + name + ": '" + value + "' is not a resource quantity (such as 200m or 256Mi)");
        }
    }

    private static String json(Map<String, String> fields) {
        return SERIALIZATION.asJson(fields);
    }
}
