package io.outrigger.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;

import static org.awaitility.Awaitility.await;

/**
 * The sidecar as a process of its own, started through its real main class, for what only a
 * process shows: signals and exit codes.
 */
public final class SidecarProcess implements AutoCloseable {

    private final Process process;
    private final Path dir;
    public final int outboundPort;
    public final int inboundPort;
    public final int adminPort;

    private SidecarProcess(Process process, Path dir, int outboundPort, int inboundPort, int adminPort) {
        this.process = process;
        this.dir = dir;
        this.outboundPort = outboundPort;
        this.inboundPort = inboundPort;
        this.adminPort = adminPort;
    }

    public static SidecarProcess start(String yaml) throws IOException, InterruptedException {
        return start(yaml, "-Xmx128m");
    }

    /** With {@code jvmOptions} (heap and memory limits, say) instead of the default -Xmx128m. */
    public static SidecarProcess start(String yaml, String... jvmOptions) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("outrigger-process");
        Path config = dir.resolve("application.yaml");
        Files.writeString(config, yaml);
        int outbound = freePort();
        int inbound = freePort();
        int admin = freePort();
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"), "--enable-native-access=ALL-UNNAMED"));
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of(
                "-cp", System.getProperty("java.class.path"),
                "io.outrigger.OutriggerApplication",
                "--spring.config.location=classpath:/application.yaml,file:" + config,
                "--server.port=" + admin,
                "--outrigger.outbound.port=" + outbound,
                "--outrigger.inbound.port=" + inbound));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("outrigger.log").toFile()).start();
        SidecarProcess sidecar = new SidecarProcess(process, dir, outbound, inbound, admin);
        try {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .ignoreException(IllegalStateException.class)   // not listening yet
                    .failFast("the sidecar process exited", () -> !process.isAlive())
                    .until(() -> Admin.get(admin, "/actuator/health/readiness").statusCode() == 200);
            return sidecar;
        } catch (ConditionTimeoutException | TerminalFailureException notReady) {
            // reported below, with the log
        }
        String log = sidecar.log();
        sidecar.close();
        throw new IllegalStateException("the sidecar did not become ready:\n" + log);
    }

    public Process process() {
        return process;
    }

    public String log() throws IOException {
        return Files.readString(dir.resolve("outrigger.log"));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }
}
