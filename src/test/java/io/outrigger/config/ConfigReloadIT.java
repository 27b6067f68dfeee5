package io.outrigger.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.outrigger.snapshot.ReloadResult;
import io.outrigger.testing.ProxyClient;
import io.outrigger.testing.Sidecar;
import io.outrigger.testing.TestUpstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** Editing the config file changes the routes of the running sidecar, and never fails a request. */
@ExtendWith(OutputCaptureExtension.class)
class ConfigReloadIT {

    static TestUpstream blue;
    static TestUpstream green;
    static Sidecar sidecar;

    @BeforeAll
    static void start() {
        blue = TestUpstream.start("blue");
        green = TestUpstream.start("green");
        sidecar = Sidecar.start(config("blue", "1s", "/v[0-9]+"));
    }

    @AfterAll
    static void stop() {
        sidecar.close();
        blue.close();
        green.close();
    }

    static String config(String cluster, String connectTimeout, String regex) {
        return """
                outrigger:
                  routes:
                    - name: app
                      hosts: [ "app" ]
                      match: [ { uri: { regex: "%s" } }, { uri: { prefix: / } } ]
                      route: [ { cluster: %s } ]
                      timeout: 5s
                  clusters:
                    blue: { endpoints: [ "%s" ], connect-timeout: %s }
                    green: { endpoints: [ "%s" ] }
                """.formatted(regex, cluster, blue.endpoint(), connectTimeout, green.endpoint());
    }

    @Test
    void anEditAppliesWithinTwoSecondsWhetherRenamedOrWrittenInPlace() {
        try (ProxyClient client = new ProxyClient(sidecar.outboundPort())) {
            ReloadResult before = sidecar.awaitApplied(config("blue", "1s", "/v[0-9]+"));
            sidecar.replaceConfig(config("green", "1s", "/v[0-9]+"));
            ReloadResult renamed = sidecar.awaitReload(before, Duration.ofSeconds(2));
            assertThat(renamed.outcome()).isEqualTo(ReloadResult.Outcome.APPLIED);
            assertThat(client.get("app", "/").body()).isEqualTo("green");

            sidecar.writeConfig(config("blue", "1s", "/v[0-9]+"));
            ReloadResult inPlace = sidecar.awaitReload(renamed, Duration.ofSeconds(2));
            assertThat(inPlace.outcome()).isEqualTo(ReloadResult.Outcome.APPLIED);
            assertThat(inPlace.version()).isEqualTo(renamed.version() + 1);
            assertThat(client.get("app", "/").body()).isEqualTo("blue");
        }
    }

    @Test
    void twentyRewritesUnderContinuousLoadFailNoRequest() throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger ok = new AtomicInteger();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService clients = Executors.newFixedThreadPool(4);
        List<Future<?>> loops = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            loops.add(clients.submit(() -> {
                try (ProxyClient client = new ProxyClient(sidecar.outboundPort())) {
                    while (running.get()) {
                        ProxyClient.Response response = client.get("app", "/v1");
                        if (response.status() == 200) {
                            ok.incrementAndGet();
                        } else {
                            failures.add(response.status() + " " + response.body());
                        }
                    }
                }
            }));
        }
        try {
            ReloadResult last = sidecar.snapshots().lastResult();
            for (int i = 0; i < 20; i++) {
                // Alternate the cluster and its connect timeout, so clusters are rebuilt and retired too.
                String yaml = config(i % 2 == 0 ? "green" : "blue", (i % 3 + 1) + "s", "/v[0-9]+");
                if (i % 2 == 0) {
                    sidecar.replaceConfig(yaml);
                } else {
                    sidecar.writeConfig(yaml);
                }
                last = sidecar.awaitReload(last, Duration.ofSeconds(5));
                assertThat(last.outcome()).as("reload %d", i).isEqualTo(ReloadResult.Outcome.APPLIED);
            }
        } finally {
            running.set(false);
            for (Future<?> loop : loops) {
                loop.get();
            }
            clients.shutdown();
        }
        assertThat(failures).isEmpty();
        assertThat(ok.get()).isGreaterThan(100);
    }

    @Test
    void invalidEditsAreRefusedWithTheFieldNamedAndTheLastGoodRoutesKeepServing(CapturedOutput output) {
        try (ProxyClient client = new ProxyClient(sidecar.outboundPort())) {
            ReloadResult good = sidecar.awaitApplied(config("green", "1s", "/v[0-9]+"));
            assertThat(client.get("app", "/").body()).isEqualTo("green");

            ReloadResult dangling = reject(config("nope", "1s", "/v[0-9]+"), good);
            assertThat(dangling.errors()).containsExactly("outrigger.routes[0].route[0].cluster: unknown cluster 'nope'");

            ReloadResult duration = reject(config("blue", "3 parsecs", "/v[0-9]+"), dangling);
            assertThat(duration.errors()).singleElement().asString()
                    .startsWith("outrigger.clusters.blue.connect-timeout: cannot use '3 parsecs'");

            ReloadResult regex = reject(config("blue", "1s", "/v[0-9+"), duration);
            assertThat(regex.errors()).singleElement().asString()
                    .startsWith("outrigger.routes[0].match[0].uri.regex: invalid regular expression");

            ReloadResult yaml = reject("outrigger:\n  routes: [ {\n", regex);
            assertThat(yaml.errors()).singleElement().asString().startsWith("cannot read the configuration");

            assertThat(sidecar.snapshots().current().version()).isEqualTo(good.version());
            assertThat(client.get("app", "/").body()).isEqualTo("green");
            assertThat(output.getOut()).contains("WARN").contains("unknown cluster 'nope'")
                    .contains("outrigger.routes[0].match[0].uri.regex");
        }
    }

    private static ReloadResult reject(String yaml, ReloadResult after) {
        sidecar.replaceConfig(yaml);
        ReloadResult result = sidecar.awaitReload(after, Duration.ofSeconds(5));
        assertThat(result.outcome()).isEqualTo(ReloadResult.Outcome.REJECTED);
        return result;
    }

    /**
     * A ConfigMap mounted as a volume, as the kubelet lays it out and updates it: the file is a
     * symlink into {@code ..data}, itself a symlink to a timestamped directory that the kubelet
     * replaces by renaming a new {@code ..data} link over the old one.
     */
    @Test
    void aMountedConfigMapUpdatedByASymlinkSwapIsReloaded() throws Exception {
        java.nio.file.Path mount = java.nio.file.Files.createTempDirectory("outrigger-mount");
        writeVersion(mount, "..2026_11_23_v1", config("blue", "1s", "/v[0-9]+").replace("name: app", "name: mounted"));
        java.nio.file.Files.createSymbolicLink(mount.resolve("..data"), java.nio.file.Path.of("..2026_11_23_v1"));
        java.nio.file.Files.createSymbolicLink(mount.resolve("application.yaml"), java.nio.file.Path.of("..data/application.yaml"));
        try (Sidecar mounted = Sidecar.start("outrigger: { access-log: { enabled: false } }",
                "--spring.config.additional-location=file:" + mount + "/");
                ProxyClient client = new ProxyClient(mounted.outboundPort())) {
            assertThat(client.get("app", "/").body()).isEqualTo("blue");
            ReloadResult before = mounted.snapshots().lastResult();
            writeVersion(mount, "..2026_11_23_v2", config("green", "1s", "/v[0-9]+").replace("name: app", "name: mounted"));
            java.nio.file.Files.createSymbolicLink(mount.resolve("..data_tmp"), java.nio.file.Path.of("..2026_11_23_v2"));
            java.nio.file.Files.move(mount.resolve("..data_tmp"), mount.resolve("..data"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            ReloadResult after = mounted.awaitReload(before, java.time.Duration.ofSeconds(10));
            assertThat(after.outcome()).isEqualTo(ReloadResult.Outcome.APPLIED);
            assertThat(client.get("app", "/").body()).isEqualTo("green");
        } finally {
            org.springframework.util.FileSystemUtils.deleteRecursively(mount);
        }
    }

    private static void writeVersion(java.nio.file.Path mount, String name, String yaml) throws java.io.IOException {
        java.nio.file.Path dir = java.nio.file.Files.createDirectory(mount.resolve(name));
        java.nio.file.Files.writeString(dir.resolve("application.yaml"), yaml);
    }
}
