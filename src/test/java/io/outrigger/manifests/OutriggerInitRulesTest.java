package io.outrigger.manifests;

import java.io.IOException;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The rules outrigger-init would install ({@code --dry-run}: no root needed), for its outbound options. */
class OutriggerInitRulesTest {

    static List<String> dryRun(String... options) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("bash", "manifests/outrigger-init", "--dry-run",
                "--iptables-backend", "legacy"));
        command.addAll(List.of(options));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor()).as(output).isZero();
        return output.lines().filter(line -> line.contains("OUTRIGGER_OUTPUT")).toList();
    }

    @Test
    void everythingNotExcludedIsCapturedByDefault() throws Exception {
        assertThat(dryRun("-x", "10.96.0.1/32")).endsWith(
                "iptables-legacy -t nat -A OUTRIGGER_OUTPUT -d 10.96.0.1/32 -j RETURN",
                "iptables-legacy -t nat -A OUTRIGGER_OUTPUT -j OUTRIGGER_REDIRECT");
    }

    @Test
    void withIncludedRangesOnlyThoseAreCapturedAfterTheExclusions() throws Exception {
        assertThat(dryRun("-x", "10.96.0.1/32", "--include-outbound-cidrs", "10.0.0.0/8,192.168.0.0/16")).endsWith(
                "iptables-legacy -t nat -A OUTRIGGER_OUTPUT -d 10.96.0.1/32 -j RETURN",
                "iptables-legacy -t nat -A OUTRIGGER_OUTPUT -d 10.0.0.0/8 -j OUTRIGGER_REDIRECT",
                "iptables-legacy -t nat -A OUTRIGGER_OUTPUT -d 192.168.0.0/16 -j OUTRIGGER_REDIRECT")
                .noneMatch(line -> line.endsWith("-A OUTRIGGER_OUTPUT -j OUTRIGGER_REDIRECT"));
    }
}
