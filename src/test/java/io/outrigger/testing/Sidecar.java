package io.outrigger.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.outrigger.OutriggerApplication;
import io.outrigger.listener.ListenerManager;
import io.outrigger.snapshot.ReloadResult;
import io.outrigger.snapshot.SnapshotHolder;
import org.awaitility.core.ConditionTimeoutException;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.awaitility.Awaitility.await;

/**
 * The whole sidecar, started in this JVM on ephemeral ports with its routes in a config file the
 * test owns and may rewrite. Stopped by {@link #close()}.
 */
public final class Sidecar implements AutoCloseable {

    private final ConfigurableApplicationContext context;
    private final Path configFile;

    private Sidecar(ConfigurableApplicationContext context, Path configFile) {
        this.context = context;
        this.configFile = configFile;
    }

    /** Starts with {@code yaml} (the {@code outrigger:} tree) as its config file. */
    public static Sidecar start(String yaml, String... extraArgs) {
        try {
            Path dir = Files.createTempDirectory("outrigger-test");
            Path file = dir.resolve("application.yaml");
            Files.writeString(file, yaml);
            List<String> args = new ArrayList<>(List.of(
                    "--spring.config.location=classpath:/application.yaml,file:" + file,
                    "--server.port=0",
                    "--outrigger.outbound.port=0",
                    "--outrigger.inbound.port=0"));
            args.addAll(List.of(extraArgs));
            ConfigurableApplicationContext context = new SpringApplicationBuilder(OutriggerApplication.class, IsolatedReactorResources.class)
                    .run(args.toArray(String[]::new));
            return new Sidecar(context, file);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public int outboundPort() {
        return context.getBean(ListenerManager.class).outboundPort();
    }

    public int inboundPort() {
        return context.getBean(ListenerManager.class).inboundPort();
    }

    public int adminPort() {
        return ((WebServerApplicationContext) context).getWebServer().getPort();
    }

    public SnapshotHolder snapshots() {
        return context.getBean(SnapshotHolder.class);
    }

    public <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    public Path configFile() {
        return configFile;
    }

    /** Replaces the config file by a rename, as editors and the kubelet do. */
    public void replaceConfig(String yaml) {
        try {
            Path next = configFile.resolveSibling("application.yaml.next");
            Files.writeString(next, yaml);
            Files.move(next, configFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Overwrites the config file in place. */
    public void writeConfig(String yaml) {
        try {
            Files.writeString(configFile, yaml);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits until a reload newer than {@code after} has a result, and returns it. */
    public ReloadResult awaitReload(ReloadResult after, Duration within) {
        try {
            return await().atMost(within).pollInterval(Duration.ofMillis(20))
                    .until(() -> snapshots().lastResult(), now -> now != after);
        } catch (ConditionTimeoutException timeout) {
            throw new AssertionError("no reload within " + within + "; last result " + snapshots().lastResult());
        }
    }

    /** Writes {@code yaml} and waits until it is live (or already was). */
    public ReloadResult awaitApplied(String yaml) {
        ReloadResult before = snapshots().lastResult();
        try {
            if (Files.readString(configFile).equals(yaml)) {
                return before;
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        replaceConfig(yaml);
        ReloadResult result = awaitReload(before, Duration.ofSeconds(5));
        if (result.outcome() == ReloadResult.Outcome.REJECTED) {
            throw new AssertionError("config refused: " + result.errors());
        }
        return result;
    }

    @Override
    public void close() {
        context.close();
        try (var files = Files.walk(configFile.getParent())) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // a leftover temporary directory is harmless
        }
    }

    /**
     * Each sidecar in this JVM gets its own Reactor Netty resources for its management server:
     * Spring Boot's default shares the global ones and disposes them when a context closes,
     * which would stop every other sidecar's management port with it.
     */
    @org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
    static class IsolatedReactorResources {
        @org.springframework.context.annotation.Bean
        org.springframework.http.client.ReactorResourceFactory reactorResourceFactory() {
            org.springframework.http.client.ReactorResourceFactory factory = new org.springframework.http.client.ReactorResourceFactory();
            factory.setUseGlobalResources(false);
            return factory;
        }
    }
}
