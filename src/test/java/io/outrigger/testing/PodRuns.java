package io.outrigger.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.awaitility.core.ConditionTimeoutException;

import static org.awaitility.Awaitility.await;

/**
 * Processes in test pods (network namespaces from {@link TestHosts}): the packaged Outrigger as
 * uid 1337, the pod applications from {@code src/test/pod}, each logging into a directory the
 * test owns, and the wait for a sidecar's readiness on its management port.
 */
public final class PodRuns {

    public static final Path INIT = Path.of("manifests/outrigger-init").toAbsolutePath();
    public static final Path JAR = Path.of("target/outrigger-0.1.0-SNAPSHOT.jar").toAbsolutePath();
    public static final Path ECHO = Path.of("src/test/pod/PodHttpEcho.java").toAbsolutePath();
    /** The JDK running the tests, whose {@code java} runs the pods' processes. */
    public static final String JDK = ProcessHandle.current().info().command().map(c -> Path.of(c).getParent().toString()).orElse("");

    private final Path dir;

    /** @param dir where each process's log goes */
    public PodRuns(Path dir) {
        this.dir = dir;
    }

    /** Runs {@code command} inside {@code pod}, its output in {@code log}. */
    public Process inPod(TestHosts.TestNamespace pod, String log, String... command) throws IOException {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", pod.toString()));
        full.addAll(List.of(command));
        return new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(dir.resolve(log).toFile()).start();
    }

    /**
     * Outrigger from the packaged jar as uid 1337 in {@code pod}, on {@code NAME.yaml} of the
     * directory, then {@code more} arguments; its log is {@code NAME-outrigger.log}.
     */
    public Process outrigger(TestHosts.TestNamespace pod, String name, String... more) throws IOException {
        return outrigger(pod, name, List.of(), more);
    }

    /** The same, with {@code jvmOptions} (system properties, say) before the jar. */
    public Process outrigger(TestHosts.TestNamespace pod, String name, List<String> jvmOptions, String... more) throws IOException {
        List<String> command = new ArrayList<>(List.of("setpriv", "--reuid=1337", "--regid=1337", "--clear-groups",
                JDK + "/java", "--enable-native-access=ALL-UNNAMED", "-Xmx128m"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", JAR.toString(),
                "--spring.config.location=classpath:/application.yaml,file:" + dir.resolve(name + ".yaml")));
        command.addAll(List.of(more));
        return inPod(pod, name + "-outrigger.log", command.toArray(String[]::new));
    }

    /** Waits for sidecar {@code name}'s readiness at {@code address}:15020; fails with its log. */
    public void awaitReady(String address, String name) throws IOException {
        try {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .ignoreException(IllegalStateException.class)   // starting
                    .until(() -> Admin.get(15020, address, "/actuator/health/readiness").statusCode() == 200);
        } catch (ConditionTimeoutException notReady) {
            throw new AssertionError("Outrigger " + name + " did not become ready:\n" + Files.readString(dir.resolve(name + "-outrigger.log")));
        }
    }
}
