package io.outrigger.interception;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.outrigger.testing.Admin;
import io.outrigger.testing.PrometheusPage;
import io.outrigger.testing.TestHosts;
import io.outrigger.testing.TestTcpServer;
import io.outrigger.testing.TestUpstream;
import io.outrigger.testing.Waits;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A pod in a network namespace (198.18.2.2): an application (JDK's jwebserver) on 8080, Outrigger
 * running as uid 1337, and the rules {@code outrigger-init} installs. Outside it, on this host's
 * end of the veth pair (198.18.2.1), a client and two remote servers.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class InterceptionIT {

    static final String HOST = "198.18.2.1";
    static final String POD = "198.18.2.2";
    static final Path INIT = Path.of("manifests/outrigger-init").toAbsolutePath();
    static final Path POD_TCP_SERVER = Path.of("src/test/pod/PodTcpServer.java").toAbsolutePath();
    static final int POD_ECHO = 7000;
    static final int POD_BANNER = 7001;
    static final Path JAR = Path.of("target/outrigger-0.1.0-SNAPSHOT.jar").toAbsolutePath();
    static final String JDK = ProcessHandle.current().info().command().map(c -> Path.of(c).getParent().toString()).orElse("");

    static TestHosts.TestNamespace pod;
    static TestUpstream remote;
    static TestUpstream excluded;
    static TestTcpServer remoteEcho;
    static TestTcpServer remoteBanner;
    static Path dir;
    static final List<Process> processes = new ArrayList<>();
    static Process outrigger;

    @BeforeAll
    static void start() throws Exception {
        TestHosts.assumePodsWithCapture(JAR);
        pod = TestHosts.namespace(podName(), HOST, POD);
        remote = TestUpstream.start("remote", HOST).handler((request, response) -> response.sendString(reactor.core.publisher.Mono.just("remote")));
        excluded = TestUpstream.start("excluded", HOST);
        remoteEcho = TestTcpServer.start(TestTcpServer.Mode.ECHO, HOST);
        remoteBanner = TestTcpServer.start(TestTcpServer.Mode.BANNER_THEN_ECHO, HOST);

        pod.exec(INIT.toString(), "--exclude-outbound-ports", Integer.toString(excluded.port()));

        dir = Files.createTempDirectory("outrigger-pod");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(dir.resolve("hello.txt"), "app-ok");
        Files.writeString(dir.resolve("application.yaml"), """
                outrigger:
                  inbound: { app-port: 8080 }
                  routes:
                    - name: remote
                      hosts: [ "%s:%d" ]
                      route: [ { cluster: remote } ]
                      headers: { response: { set: { x-outrigger: applied } } }
                  clusters:
                    remote: { endpoints: [ "%s" ] }
                """.formatted(HOST, remote.port(), remote.endpoint()));
        processes.add(inPod(dir.resolve("app.log"), "ip", "netns", "exec", podName(), JDK + "/jwebserver",
                "-b", "0.0.0.0", "-p", "8080", "-d", dir.toString()));
        processes.add(inPod(dir.resolve("tcp-app.log"), "ip", "netns", "exec", podName(), JDK + "/java",
                POD_TCP_SERVER.toString(), Integer.toString(POD_ECHO), "echo", Integer.toString(POD_BANNER), "banner"));
        outrigger = inPod(dir.resolve("outrigger.log"), "ip", "netns", "exec", podName(),
                "setpriv", "--reuid=1337", "--regid=1337", "--clear-groups",
                JDK + "/java", "--enable-native-access=ALL-UNNAMED", "-Xmx128m", "-jar", JAR.toString(),
                "--spring.config.location=classpath:/application.yaml,file:" + dir.resolve("application.yaml"));
        processes.add(outrigger);
        try {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .ignoreException(IllegalStateException.class)   // starting
                    .until(() -> Admin.get(15020, POD, "/actuator/health/readiness").statusCode() == 200
                            && Files.readString(dir.resolve("tcp-app.log")).contains("ready"));
        } catch (ConditionTimeoutException notReady) {
            throw new AssertionError("Outrigger did not become ready in the pod:\n" + Files.readString(dir.resolve("outrigger.log")));
        }
    }

    @AfterAll
    static void stop() throws IOException {
        for (Process process : processes) {
            process.destroyForcibly();
        }
        if (remote != null) {
            remote.close();
        }
        if (excluded != null) {
            excluded.close();
        }
        for (TestTcpServer server : new TestTcpServer[] {remoteEcho, remoteBanner}) {
            if (server != null) {
                server.close();
            }
        }
        if (pod != null) {
            pod.close();
        }
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    @Test
    @Order(1)
    void aClientReachesTheApplicationPortThroughTheInboundListener() {
        double before = requests("destination");
        assertThat(Admin.get(8080, POD, "/hello.txt").body()).isEqualTo("app-ok");
        assertThat(awaitRequests("destination", before + 1)).isEqualTo(before + 1);
    }

    @Test
    @Order(2)
    void theApplicationsOutboundCallIsCapturedAndTheRouteApplies() {
        String response = curlAsApplication("http://" + HOST + ":" + remote.port() + "/");
        assertThat(response).containsIgnoringCase("x-outrigger: applied").endsWith("remote");
        // Outrigger's own upstream connection was not captured again: the remote saw one request.
        assertThat(remote.requests()).isEqualTo(1);
        assertThat(awaitRequests("source", 1)).isEqualTo(1);
    }

    @Test
    @Order(3)
    void nonHttpTcpWorksBothWaysAndItsBytesAreCounted() throws IOException {
        // Inbound: a client outside sends binary bytes to the pod's echo port.
        byte[] message = {0, 7, 'p', 'i', 'n', 'g', (byte) 0xfe};
        try (Socket socket = new Socket(POD, POD_ECHO)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(message);
            assertThat(socket.getInputStream().readNBytes(message.length)).isEqualTo(message);
        }
        // Outbound: the application opens a TCP connection to a remote echo server.
        String echoed = pod.exec("setpriv", "--reuid=1000", "--regid=1000", "--clear-groups", "timeout", "10", "bash", "-c",
                "exec 3<>/dev/tcp/" + HOST + "/" + remoteEcho.port() + "; printf '\\x01tcp-out' >&3; head -c 8 <&3 | tail -c 7");
        assertThat(echoed).isEqualTo("tcp-out");
        assertThat(remoteEcho.connections()).isEqualTo(1);
        assertThat(awaitTcpBytes("destination", message.length)).isEqualTo(message.length);
        assertThat(awaitTcpBytes("source", 8)).isEqualTo(8);
    }

    @Test
    @Order(4)
    void aServerFirstProtocolWorksThroughTheProxyBothWays() throws IOException {
        try (Socket socket = new Socket(POD, POD_BANNER)) {
            socket.setSoTimeout(10_000);
            assertThat(new String(socket.getInputStream().readNBytes(19), StandardCharsets.US_ASCII)).isEqualTo("220 pod-app ready\r\n");
        }
        String banner = pod.exec("setpriv", "--reuid=1000", "--regid=1000", "--clear-groups", "timeout", "10", "bash", "-c",
                "exec 3<>/dev/tcp/" + HOST + "/" + remoteBanner.port() + "; head -c " + TestTcpServer.BANNER.length() + " <&3");
        assertThat(banner).isEqualTo(TestTcpServer.BANNER);
    }

    @Test
    @Order(5)
    void anExcludedPortBypassesTheProxy() {
        double before = requests("source");
        assertThat(curlAsApplication("http://" + HOST + ":" + excluded.port() + "/")).endsWith("excluded");
        // A captured call made after it is counted once its exchange is over: had the excluded
        // call gone through the proxy, it would have been counted by then too.
        Map<String, String> toRemote = Map.of("reporter", "source", "destination_cluster", "remote");
        double remoteBefore = requests(toRemote);
        curlAsApplication("http://" + HOST + ":" + remote.port() + "/");
        await().atMost(Duration.ofSeconds(10)).until(() -> requests(toRemote) == remoteBefore + 1);
        assertThat(requests("source") - 1).as("nothing counted on the outbound listener").isEqualTo(before);
    }

    @Test
    @Order(6)
    void runningTheInitScriptTwiceLeavesTheSameRules() {
        String once = pod.exec("iptables-save", "-t", "nat").replaceAll("(?m)^#.*\\n", "");
        pod.exec(INIT.toString(), "--exclude-outbound-ports", Integer.toString(excluded.port()));
        String twice = pod.exec("iptables-save", "-t", "nat").replaceAll("(?m)^#.*\\n", "");
        assertThat(twice).isEqualTo(once).contains("OUTRIGGER_OUTPUT").contains("--uid-owner 1337");
    }

    @Test
    @Order(7)
    void withOutriggerStoppedACapturedConnectionIsRefusedAtOnce() throws Exception {
        outrigger.destroyForcibly();
        outrigger.waitFor(10, TimeUnit.SECONDS);
        long start = System.nanoTime();
        Process curl = new ProcessBuilder("ip", "netns", "exec", podName(), "setpriv", "--reuid=1000", "--regid=1000",
                "--clear-groups", "curl", "-s", "--max-time", "10", "http://" + HOST + ":" + remote.port() + "/")
                .redirectErrorStream(true).start();
        curl.getInputStream().readAllBytes();
        assertThat(curl.waitFor(15, TimeUnit.SECONDS)).isTrue();
        assertThat(curl.exitValue()).as("curl: connection refused").isEqualTo(7);
        assertThat(System.nanoTime() - start).as("refused, not hung").isLessThan(TimeUnit.SECONDS.toNanos(5));
    }

    private static String podName() {
        return "orpod" + ProcessHandle.current().pid() % 10000;
    }

    private static Process inPod(Path log, String... command) throws IOException {
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** An HTTP call made by "the application": a process in the pod, not uid 1337. */
    private static String curlAsApplication(String url) {
        return pod.exec("setpriv", "--reuid=1000", "--regid=1000", "--clear-groups", "curl", "-si", "--max-time", "10", url);
    }

    /**
     * The count once it reaches {@code expected}, or as it stands after a second: a request is
     * counted as its exchange completes, a moment after the client has the response.
     */
    private static double awaitRequests(String reporter, double expected) {
        return Waits.readUntil(Duration.ofSeconds(1), Duration.ofMillis(20), () -> requests(reporter), count -> count >= expected);
    }

    /** Bytes counted both ways on TCP connections reported by {@code reporter}, once they reach {@code expected}. */
    private static double awaitTcpBytes(String reporter, double expected) {
        Map<String, String> labels = Map.of("reporter", reporter, "request_protocol", "tcp");
        PrometheusPage page = Waits.readUntil(Duration.ofSeconds(1), Duration.ofMillis(20),
                () -> new PrometheusPage(Admin.get(15020, POD, "/actuator/prometheus").body()),
                p -> p.sum("istio_tcp_received_bytes_total", labels) >= expected);
        assertThat(page.sum("istio_tcp_sent_bytes_total", labels)).as("bytes sent back, " + reporter).isEqualTo(expected);
        return page.sum("istio_tcp_received_bytes_total", labels);
    }

    private static double requests(String reporter) {
        return requests(Map.of("reporter", reporter));
    }

    private static double requests(Map<String, String> labels) {
        String page = Admin.get(15020, POD, "/actuator/prometheus").body();
        return new PrometheusPage(page).sum("istio_requests_total", labels);
    }
}
