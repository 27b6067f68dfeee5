package io.outrigger.injection;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code outrigger inject} and {@code check-inject} on YAML streams, as a user runs them. */
class InjectCommandTest {

    static final String STREAM = """
            apiVersion: v1
            kind: Service
            metadata: { name: db, namespace: data }
            spec: { ports: [ { port: 5432 } ] }
            ---
            apiVersion: apps/v1
            kind: StatefulSet
            metadata: { name: db, namespace: data }
            spec:
              serviceName: db
              selector: { matchLabels: { app: db } }
              template:
                metadata: { labels: { app: db } }
                spec:
                  containers: [ { name: postgres, image: postgres, ports: [ { containerPort: 5432 } ] } ]
            ---
            apiVersion: v1
            kind: Pod
            metadata: { name: tool, namespace: data, annotations: { outrigger.io/inject: "false" } }
            spec: { containers: [ { name: tool, image: tool } ] }
            """;

    record Result(int status, String out, String err) {
    }

    static Result run(String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = InjectCommand.run(args, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void workloadsAreInjectedAndEverythingElsePassesThrough() {
        Result result = run(STREAM, "inject", "-f", "-", "--image", "registry.example/outrigger:0.1.0");
        assertThat(result.status()).isZero();
        List<HasMetadata> objects = new KubernetesSerialization().unmarshal(result.out());
        assertThat(objects).hasSize(3);
        assertThat(objects.get(0)).isInstanceOf(Service.class);
        StatefulSet db = (StatefulSet) objects.get(1);
        assertThat(db.getSpec().getTemplate().getSpec().getInitContainers()).extracting(c -> c.getName() + " " + c.getImage())
                .containsExactly("outrigger-init registry.example/outrigger:0.1.0", "outrigger registry.example/outrigger:0.1.0");
        assertThat(db.getSpec().getTemplate().getMetadata().getNamespace()).as("a template has no namespace").isNull();
        assertThat(((Pod) objects.get(2)).getSpec().getInitContainers()).as("opted out").isEmpty();

        Result again = run(result.out(), "inject", "-f", "-");
        assertThat(new KubernetesSerialization().<List<HasMetadata>>unmarshal(again.out())).as("injection is idempotent")
                .isEqualTo(objects);
    }

    @Test
    void checkInjectSaysWhyForEachWorkload() {
        Result result = run(STREAM, "check-inject", "-f", "-");
        assertThat(result.out().lines()).containsExactly(
                "StatefulSet data/db: injected, because its namespace would be labelled outrigger-injection=enabled",
                "Pod data/tool: not injected, because it is annotated outrigger.io/inject: \"false\"");
    }

    @Test
    void badUsageAndBadInputSayWhatIsWrong() {
        assertThat(run("", "inject").err()).contains("-f FILE");
        assertThat(run("", "inject", "-f", "/no/such/file.yaml").status()).isEqualTo(2);
        assertThat(run(": not yaml : [", "inject", "-f", "-").err()).contains("cannot read -");
        Result bad = run(STREAM.replace("kind: Pod\nmetadata: { name: tool, namespace: data, annotations: { outrigger.io/inject: \"false\" } }",
                "kind: Pod\nmetadata: { name: tool, namespace: data, annotations: { traffic.outrigger.io/exclude-inbound-ports: x } }"),
                "inject", "-f", "-");
        assertThat(bad.status()).isEqualTo(1);
        assertThat(bad.err()).contains("Pod data/tool", "traffic.outrigger.io/exclude-inbound-ports");
    }
}
