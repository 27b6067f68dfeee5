package io.outrigger.injection;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * {@code outrigger inject -f FILE} (or {@code -f -} for stdin) prints a YAML stream with Outrigger
 * put into every Pod, Deployment, StatefulSet, DaemonSet and Job in it, as {@code istioctl
 * kube-inject} does, with the same {@link PodInjector} as the webhook; other objects pass through.
 * {@code outrigger check-inject -f FILE} says, for each workload, whether it would be injected
 * and why ({@link InjectionPolicy}; a namespace's labels are not known offline, so only the pod's
 * own annotations and spec decide). Options: {@code --image IMAGE}, {@code --certificate-secret NAME}.
 */
public final class InjectCommand {

    private static final KubernetesSerialization YAML = new KubernetesSerialization();

    private InjectCommand() {
    }

    /** Whether {@code args} ask for one of these commands rather than the sidecar. */
    public static boolean handles(String[] args) {
        return args.length > 0 && (args[0].equals("inject") || args[0].equals("check-inject"));
    }

    /** Runs the command; the exit status (0, 1 for a pod that cannot be injected, 2 for bad usage or input). */
    public static int run(String[] args, InputStream stdin, PrintStream out, PrintStream err) {
        String file = null;
        SidecarTemplate template = SidecarTemplate.DEFAULT;
        for (int i = 1; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "-f", "--filename" -> file = value;
                case "--image" -> template = value == null ? template : template.withImage(value);
                case "--certificate-secret" -> template = value == null ? template : template.withCertificateSecret(value);
                default -> {
                    err.println("outrigger " + args[0] + ": unknown option " + args[i]
                            + " (usage: outrigger " + args[0] + " -f FILE|- [--image IMAGE] [--certificate-secret NAME])");
                    return 2;
                }
            }
            i++;
            if (value == null) {
                err.println("outrigger " + args[0] + ": " + args[i - 1] + " needs a value");
                return 2;
            }
        }
        if (file == null) {
            err.println("outrigger " + args[0] + ": -f FILE (or -f - for stdin) is required");
            return 2;
        }
        List<HasMetadata> objects;
        try {
            String yaml = file.equals("-") ? new String(stdin.readAllBytes(), StandardCharsets.UTF_8) : Files.readString(Path.of(file));
            objects = parse(yaml);
        } catch (IOException | RuntimeException e) {
            err.println("outrigger " + args[0] + ": cannot read " + file + ": " + e.getMessage());
            return 2;
        }
        return args[0].equals("inject") ? inject(objects, template, out, err) : check(objects, out);
    }

    private static List<HasMetadata> parse(String yaml) {
        Object parsed = YAML.unmarshal(yaml);
        if (parsed instanceof KubernetesList list) {
            return list.getItems();
        }
        if (parsed instanceof List<?> list) {
            return list.stream().map(HasMetadata.class::cast).toList();
        }
        return parsed == null ? List.of() : List.of((HasMetadata) parsed);
    }

    private static int inject(List<HasMetadata> objects, SidecarTemplate template, PrintStream out, PrintStream err) {
        PodInjector injector = new PodInjector(template);
        InjectionPolicy policy = new InjectionPolicy(null);
        List<String> documents = new ArrayList<>();
        int status = 0;
        for (HasMetadata object : objects) {
            HasMetadata result = object;
            PodTemplateSpec podTemplate = template(object);
            Pod pod = podTemplate != null ? asPod(object, podTemplate) : object instanceof Pod p ? p : null;
            if (pod != null && policy.decide(pod, object.getMetadata().getNamespace(), Map.of(InjectionPolicy.NAMESPACE_LABEL, "enabled")).inject()) {
                try {
                    Pod injected = injector.inject(pod);
                    if (podTemplate != null) {
                        injected.getMetadata().setNamespace(null);   // a template's metadata has none
                        podTemplate.setMetadata(injected.getMetadata());
                        podTemplate.setSpec(injected.getSpec());
                    } else {
                        result = injected;
                    }
                } catch (InjectionException e) {
                    err.println("outrigger inject: " + describe(object) + ": " + e.getMessage());
                    status = 1;
                }
            }
            documents.add(YAML.asYaml(result));
        }
        out.print(String.join("", documents.stream().map(doc -> doc.startsWith("---") ? doc : "---\n" + doc).toList()));
        return status;
    }

    private static int check(List<HasMetadata> objects, PrintStream out) {
        InjectionPolicy policy = new InjectionPolicy(null);
        for (HasMetadata object : objects) {
            PodTemplateSpec podTemplate = template(object);
            Pod pod = podTemplate != null ? asPod(object, podTemplate) : object instanceof Pod p ? p : null;
            if (pod != null) {
                // Offline the namespace's labels are not known: say what the pod itself decides.
                InjectionPolicy.Decision decision = policy.decide(pod, object.getMetadata().getNamespace(),
                        Map.of(InjectionPolicy.NAMESPACE_LABEL, "enabled"));
                out.println(describe(object) + ": " + (decision.inject() ? "injected" : "not injected") + ", because "
                        + (decision.inject() && decision.reason().startsWith("namespace")
                        ? "its namespace would be labelled " + InjectionPolicy.NAMESPACE_LABEL + "=enabled"
                        : decision.reason()));
            }
        }
        return 0;
    }

    private static PodTemplateSpec template(HasMetadata object) {
        return switch (object) {
            case Deployment d -> d.getSpec() == null ? null : d.getSpec().getTemplate();
            case StatefulSet s -> s.getSpec() == null ? null : s.getSpec().getTemplate();
            case DaemonSet d -> d.getSpec() == null ? null : d.getSpec().getTemplate();
            case Job j -> j.getSpec() == null ? null : j.getSpec().getTemplate();
            default -> null;
        };
    }

    /** A workload's pod template as a pod in the workload's namespace. */
    private static Pod asPod(HasMetadata owner, PodTemplateSpec template) {
        ObjectMeta metadata = template.getMetadata() == null ? new ObjectMeta() : template.getMetadata();
        return new PodBuilder().withMetadata(new ObjectMetaBuilder(metadata).withNamespace(owner.getMetadata().getNamespace()).build())
                .withSpec(template.getSpec()).build();
    }

    private static String describe(HasMetadata object) {
        return object.getKind() + " " + (object.getMetadata().getNamespace() == null ? "" : object.getMetadata().getNamespace() + "/")
                + object.getMetadata().getName();
    }
}
