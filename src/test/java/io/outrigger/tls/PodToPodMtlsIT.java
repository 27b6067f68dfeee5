package io.outrigger.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.outrigger.testing.Admin;
import io.outrigger.testing.PodRuns;
import io.outrigger.testing.PrometheusPage;
import io.outrigger.testing.TestHosts;
import io.outrigger.testing.TestPki;
import io.outrigger.testing.Waits;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.util.FileSystemUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two pods in network namespaces, each with its iptables capture (outrigger-init) and Outrigger
 * as uid 1337, joined by their own link (198.18.5.1 - 198.18.5.2). Pod A's application calls pod B
 * by its address, unaware of any TLS: A's sidecar originates mTLS, B's (STRICT, allowing only A)
 * terminates it and tells B's application who called. Then both pods' certificates are rotated
 * while A's application keeps calling.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PodToPodMtlsIT {

    static final String A_ADMIN = "198.18.3.2";
    static final String B_ADMIN = "198.18.4.2";
    static final String B = "198.18.5.2";
    static final String FRONTEND = "spiffe://cluster.local/ns/shop/sa/frontend";
    static final String BACKEND = "spiffe://cluster.local/ns/shop/sa/backend";

    static TestHosts.TestNamespace podA;
    static TestHosts.TestNamespace podB;
    static Path dir;
    static PodRuns runs;
    static TestPki.Ca mesh;
    static final List<Process> processes = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        TestHosts.assumePodsWithCapture(PodRuns.JAR);
        long id = ProcessHandle.current().pid() % 10000;
        podA = TestHosts.namespace("orma" + id, "198.18.3.1", A_ADMIN);
        podB = TestHosts.namespace("ormb" + id, "198.18.4.1", B_ADMIN);
        podA.linkTo(podB, "198.18.5.1", B);
        dir = Files.createTempDirectory("outrigger-pods");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        runs = new PodRuns(dir);
        mesh = TestPki.ca("mesh");

        podB.exec(PodRuns.INIT.toString());
        Files.writeString(dir.resolve("b.yaml"), "outrigger:\n" + mesh.issue(BACKEND).writeTo(dir.resolve("b")) + """
                  inbound:
                    app-port: 8080
                    tls-mode: STRICT
                    authorization: { allow-principals: [ "%s" ] }
                """.formatted(FRONTEND));
        processes.add(runs.inPod(podB, "echo.log", PodRuns.JDK + "/java", PodRuns.ECHO.toString(), "8080"));
        processes.add(runs.outrigger(podB, "b"));

        podA.exec(PodRuns.INIT.toString());
        Files.writeString(dir.resolve("a.yaml"), "outrigger:\n" + mesh.issue(FRONTEND).writeTo(dir.resolve("a")) + """
                  routes:
                    - { name: backend, hosts: [ "%s:8080" ], route: [ { cluster: backend } ] }
                  clusters:
                    backend:
                      endpoints: [ "%s:8080" ]
                      tls: mutual
                      peer-principals: [ "%s" ]
                """.formatted(B, B, BACKEND));
        processes.add(runs.outrigger(podA, "a"));
        runs.awaitReady(A_ADMIN, "a");
        runs.awaitReady(B_ADMIN, "b");
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> Files.readString(dir.resolve("echo.log")).contains("ready"));
    }

    @AfterAll
    static void stop() {
        processes.forEach(Process::destroyForcibly);
        if (podA != null) {
            podA.close();
        }
        if (podB != null) {
            podB.close();
        }
        if (dir != null) {
            FileSystemUtils.deleteRecursively(dir.toFile());
        }
    }

    @Test
    @Order(1)
    void podAsApplicationCallsPodBAndBSeesAsIdentity() {
        String body = callFromA("/hello");
        assertThat(body).startsWith("xfcc=By=" + BACKEND + ";Hash=").endsWith(";URI=" + FRONTEND);

        Map<String, String> source = Map.of("reporter", "source", "source_principal", FRONTEND,
                "destination_principal", BACKEND, "connection_security_policy", "mutual_tls", "response_code", "200");
        assertThat(scrape(A_ADMIN, "istio_requests_total", source)).isGreaterThanOrEqualTo(1);
        Map<String, String> destination = Map.of("reporter", "destination", "source_principal", FRONTEND,
                "destination_principal", BACKEND, "connection_security_policy", "mutual_tls", "response_code", "200");
        assertThat(scrape(B_ADMIN, "istio_requests_total", destination)).isGreaterThanOrEqualTo(1);
    }

    @Test
    @Order(2)
    void plaintextFromOutsideTheMeshIsRefusedByStrictB() {
        String result = TestHosts.run("bash", "-c", "curl -s -m 5 http://" + B_ADMIN + ":8080/ ; echo \" rc=$?\"");
        assertThat(result).doesNotContain("xfcc=").containsPattern("rc=(52|56)");
    }

    @Test
    @Order(3)
    void certificatesRotatedOnBothPodsDuringTrafficFailNoRequest() throws Exception {
        // A's application calls B 300 times, each on a new connection (so new handshakes meet the new certificates).
        Process traffic = new ProcessBuilder("ip", "netns", "exec", podA.toString(), "setpriv", "--reuid=1000", "--regid=1000",
                "--clear-groups", "bash", "-c",
                "for i in $(seq 1 300); do curl -s -o /dev/null -m 10 -w '%{http_code}\\n' http://" + B + ":8080/r; done")
                .redirectErrorStream(true).start();
        for (int round = 0; round < 2; round++) {
            TestPki.Svid nextA = mesh.issue(FRONTEND);
            TestPki.Svid nextB = mesh.issue(BACKEND);
            nextB.writeTo(dir.resolve("b"));
            nextA.writeTo(dir.resolve("a"));
            awaitSerial(B_ADMIN, nextB.serialHex());
            awaitSerial(A_ADMIN, nextA.serialHex());
        }
        String codes = new String(traffic.getInputStream().readAllBytes());
        assertThat(traffic.waitFor(2, TimeUnit.MINUTES)).isTrue();
        List<String> lines = codes.lines().toList();
        System.out.printf("pod-to-pod rotation: %d requests, %d not 200%n", lines.size(), lines.stream().filter(l -> !l.equals("200")).count());
        assertThat(lines).hasSize(300).containsOnly("200");
    }

    static String callFromA(String path) {
        return podA.exec("setpriv", "--reuid=1000", "--regid=1000", "--clear-groups", "curl", "-s", "-m", "10",
                "http://" + B + ":8080" + path);
    }

    static void awaitSerial(String address, String serial) {
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).untilAsserted(() ->
                assertThat(Admin.get(15020, address, "/actuator/certs").body()).contains("\"serial\":\"" + serial + "\""));
    }

    static double scrape(String address, String name, Map<String, String> labels) {
        return Waits.readUntil(Duration.ofSeconds(1), Duration.ofMillis(20),
                () -> new PrometheusPage(Admin.get(15020, address, "/actuator/prometheus").body()),
                page -> page.sum(name, labels) >= 1).sum(name, labels);
    }
}
