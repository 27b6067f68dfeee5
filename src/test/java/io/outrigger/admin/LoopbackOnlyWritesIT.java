package io.outrigger.admin;

import java.io.IOException;

import io.outrigger.testing.RawHttp;
import io.outrigger.testing.Sidecar;
import io.outrigger.testing.TestHosts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The management port reads for anyone but changes only for the pod itself: a caller on a real
 * non-loopback address (198.18.0.2, in a network namespace the test creates and joins to this
 * host by a veth pair) gets 403 for anything but GET and HEAD.
 */
class LoopbackOnlyWritesIT {

    static final String HOST = "198.18.0.1";
    static final String REMOTE = "198.18.0.2";
    static TestHosts.TestNamespace remote;
    static Sidecar sidecar;

    @BeforeAll
    static void start() {
        String missing = TestHosts.unavailable();
        Assumptions.assumeTrue(missing == null, () -> "skipped: " + missing);
        remote = TestHosts.namespace("orla" + ProcessHandle.current().pid() % 100000, HOST, REMOTE);
        // As in a pod: Spring Boot would trust X-Forwarded-For on Kubernetes unless told not to.
        sidecar = Sidecar.start("outrigger: {}\n", "--spring.main.cloud-platform=kubernetes");
    }

    @AfterAll
    static void stop() throws Exception {
        if (sidecar != null) {
            sidecar.close();
        }
        if (remote != null) {
            remote.close();
        }
    }

    @Test
    void aRemoteCallerMayReadButNotChange() {
        assertThat(RawHttp.status(fromRemote("GET", "/actuator/health"))).isEqualTo(200);
        assertThat(RawHttp.status(fromRemote("HEAD", "/actuator/routes"))).isEqualTo(200);
        String refused = fromRemote("POST", "/actuator/refresh");
        assertThat(RawHttp.status(refused)).isEqualTo(403);
        assertThat(refused).endsWith("changes are accepted from loopback only\n");
        assertThat(RawHttp.status(fromRemote("POST", "/actuator/drain"))).isEqualTo(403);
        assertThat(RawHttp.status(fromRemote("POST", "/actuator/loggers/io.outrigger"))).isEqualTo(403);
        assertThat(RawHttp.status(fromRemote("DELETE", "/actuator/routes"))).isEqualTo(403);
        String forged = remote.http(HOST, sidecar.adminPort(), "POST /actuator/drain HTTP/1.1\r\nHost: outrigger\r\n"
                + "X-Forwarded-For: 127.0.0.1\r\nForwarded: for=127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        assertThat(RawHttp.status(forged)).as("a forwarded header does not make a caller local").isEqualTo(403);
        assertThat(sidecar.bean(io.outrigger.listener.Drainer.class).started()).isFalse();
    }

    @Test
    void theSameCallFromLoopbackIsAccepted() throws IOException {
        assertThat(RawHttp.status(RawHttp.exchange(sidecar.adminPort(), request("POST", "/actuator/refresh")))).isEqualTo(200);
    }

    private static String fromRemote(String method, String path) {
        return remote.http(HOST, sidecar.adminPort(), request(method, path));
    }

    private static String request(String method, String path) {
        return method + " " + path + " HTTP/1.1\r\nHost: outrigger\r\nContent-Type: application/json\r\n"
                + "Content-Length: 0\r\nConnection: close\r\n\r\n";
    }
}
