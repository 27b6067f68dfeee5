package io.outrigger.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test hosts on 198.18.0.0/15 (the benchmarking range, never routed): a dummy interface or network
 * namespaces the test creates and removes. They need root and iproute2; {@link #unavailable()}
 * says why a test cannot run, so it is skipped with that message rather than passed.
 */
public final class TestHosts {

    private TestHosts() {
    }

    /** Why test hosts cannot be made here, or null when they can. */
    public static String unavailable() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "needs root to create test interfaces (CI runs as root)";
        }
        if (!Files.isExecutable(Path.of("/usr/sbin/ip")) && !Files.isExecutable(Path.of("/sbin/ip"))) {
            return "needs the ip command (Debian package iproute2; .ci/run installs it)";
        }
        return null;
    }

    /**
     * Skips the calling test class, saying why, unless pods with iptables capture can be made
     * here: root and iproute2, iptables, and the packaged jar that runs as the pod's sidecar.
     */
    public static void assumePodsWithCapture(Path jar) {
        String missing = unavailable();
        org.junit.jupiter.api.Assumptions.assumeTrue(missing == null, () -> "skipped: " + missing);
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/sbin/iptables")),
                "skipped: needs iptables (Debian package iptables; .ci/run installs it)");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(jar),
                "skipped: needs the packaged jar (runs after 'package')");
    }

    /** Runs a command and fails with its output when it fails. */
    public static String run(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes());
            if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
            }
            return output;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Runs a command and ignores its failure (for clean-up of what may not exist). */
    public static void runQuietly(String... command) {
        try {
            new ProcessBuilder(command).redirectErrorStream(true).start().waitFor(30, TimeUnit.SECONDS);
        } catch (IOException e) {
            // nothing to clean up
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A network namespace joined to this host by a veth pair: {@code hostAddress}/30 on the host's
     * end, {@code namespaceAddress}/30 inside. Both removed by {@link TestNamespace#close()}.
     */
    public static TestNamespace namespace(String name, String hostAddress, String namespaceAddress) {
        String hostEnd = "vh" + name;
        String nsEnd = "vn" + name;
        runQuietly("ip", "netns", "del", name);
        runQuietly("ip", "link", "del", hostEnd);
        TestNamespace namespace = new TestNamespace(name, hostEnd);
        try {
            run("ip", "netns", "add", name);
            run("ip", "link", "add", hostEnd, "type", "veth", "peer", "name", nsEnd);
            run("ip", "link", "set", nsEnd, "netns", name);
            run("ip", "addr", "add", hostAddress + "/30", "dev", hostEnd);
            run("ip", "link", "set", hostEnd, "up");
            namespace.exec("ip", "addr", "add", namespaceAddress + "/30", "dev", nsEnd);
            namespace.exec("ip", "link", "set", nsEnd, "up");
            namespace.exec("ip", "link", "set", "lo", "up");
            return namespace;
        } catch (IllegalStateException e) {
            namespace.close();
            throw e;
        }
    }

    /** A network namespace made by {@link #namespace}; commands run inside it. */
    public static final class TestNamespace implements AutoCloseable {
        private final String name;
        private final String hostEnd;

        TestNamespace(String name, String hostEnd) {
            this.name = name;
            this.hostEnd = hostEnd;
        }

        public String exec(String... command) {
            String[] full = new String[command.length + 4];
            full[0] = "ip";
            full[1] = "netns";
            full[2] = "exec";
            full[3] = name;
            System.arraycopy(command, 0, full, 4, command.length);
            return run(full);
        }

        /**
         * Joins this namespace to {@code other} by a veth pair of their own: {@code address}/30 here,
         * {@code otherAddress}/30 there. Removed with either namespace.
         */
        public void linkTo(TestNamespace other, String address, String otherAddress) {
            String here = "x" + other.name;   // named by the peer, so one namespace may link to several
            String there = "y" + other.name;
            run("ip", "link", "add", here, "type", "veth", "peer", "name", there);
            run("ip", "link", "set", here, "netns", name);
            run("ip", "link", "set", there, "netns", other.name);
            exec("ip", "addr", "add", address + "/30", "dev", here);
            exec("ip", "link", "set", here, "up");
            other.exec("ip", "addr", "add", otherAddress + "/30", "dev", there);
            other.exec("ip", "link", "set", there, "up");
        }

        /** Sends raw HTTP from inside the namespace (bash's /dev/tcp: no client to install) and returns the reply. */
        public String http(String address, int port, String request) {
            String script = "exec 3<>/dev/tcp/" + address + "/" + port + " && printf '%s' \"$0\" >&3 && timeout 5 cat <&3";
            return exec("bash", "-c", script, request);
        }

        /** The namespace's name, for {@code ip netns exec}. */
        @Override
        public String toString() {
            return name;
        }

        @Override
        public void close() {
            runQuietly("ip", "netns", "del", name);
            runQuietly("ip", "link", "del", hostEnd);
        }
    }
}
