package io.outrigger.image;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The container image's build and start steps, run outside Docker by {@code image/check} (no
 * Docker engine runs in CI): extract the packaged jar's layers, link the runtime, make the AOT
 * cache by a training run, start with it, reach readiness, stop cleanly on SIGTERM.
 */
class ImageStepsIT {

    @Test
    void theImageStepsBuildAndStartTheSidecar() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/curl")),
                "skipped: needs curl to poll readiness (.ci/run installs it)");
        Path log = Files.createTempFile("image-check", ".log");
        Process check = new ProcessBuilder("bash", "image/check").redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean finished = check.waitFor(5, TimeUnit.MINUTES);
        if (!finished) {
            check.destroyForcibly();
        }
        String output = Files.readString(log);
        Files.delete(log);
        assertThat(finished).as("image/check within 5 minutes:\n" + output).isTrue();
        System.out.println(output);
        assertThat(check.exitValue()).as(output).isZero();
        assertThat(output).contains("ready in").contains("with the AOT cache");
    }
}
