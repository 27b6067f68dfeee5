package io.outrigger.pipeline.upstream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.outrigger.testing.Sidecar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An upstream that dies in the middle of its response, after the status and part of the body
 * (a connection reset): the status cannot be taken back, so the client's connection is closed
 * short of the promised length: a clean, visible failure, never a hang and never a
 * complete-looking success. The access log says UC.
 */
@ExtendWith(OutputCaptureExtension.class)
class UpstreamResetMidResponseIT {

    @Test
    void theClientSeesTheResponseCutShortAndTheLogSaysUC(CapturedOutput output) throws Exception {
        try (ServerSocket dying = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> answerPartlyThenReset(dying, 100_000));
            try (Sidecar sidecar = sidecarFor(dying);
                    Socket socket = new Socket("127.0.0.1", sidecar.outboundPort())) {
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write("GET /long HTTP/1.1\r\nHost: dying\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                String received = readUntilClosed(socket.getInputStream());
                assertThat(received).startsWith("HTTP/1.1 200").containsIgnoringCase("content-length: 100000");
                String body = received.substring(received.indexOf("\r\n\r\n") + 4);
                assertThat(body).startsWith("the first part");
                assertThat(body.length()).as("cut short, not padded to look complete").isLessThan(100_000);

                await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(20))
                        .untilAsserted(() -> assertThat(output.getOut()).contains("\"GET /long HTTP/1.1\" 200 UC"));
            }
        }
    }

    /**
     * A small body of declared length is read whole before anything goes down (so that head and
     * body leave in one write): when it is cut short, the client can still get a clean 502 UC.
     */
    @Test
    void aSmallBodyCutShortBecomesA502Uc(CapturedOutput output) throws Exception {
        try (ServerSocket dying = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> answerPartlyThenReset(dying, 10_000));
            try (Sidecar sidecar = sidecarFor(dying);
                    Socket socket = new Socket("127.0.0.1", sidecar.outboundPort())) {
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write("GET /short HTTP/1.1\r\nHost: dying\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                String received = readUntilClosed(socket.getInputStream());
                assertThat(received).startsWith("HTTP/1.1 502").doesNotContainIgnoringCase("content-length: 10000")
                        .endsWith("\r\n\r\nupstream reset before the response was complete\n");
                await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(20))
                        .untilAsserted(() -> assertThat(output.getOut()).contains("\"GET /short HTTP/1.1\" 502 UC"));
                // The part that arrived is released once, not once by each discard hook.
                assertThat(output.getAll()).doesNotContain("IllegalReferenceCountException");
            }
        }
    }

    static Sidecar sidecarFor(ServerSocket dying) {
        return Sidecar.start("""
                outrigger:
                  routes: [ { name: dying, hosts: [ dying ], route: [ { cluster: dying } ] } ]
                  clusters: { dying: { endpoints: [ "127.0.0.1:%d" ] } }
                """.formatted(dying.getLocalPort()));
    }

    /** Reads one request, sends a status promising {@code length} bytes and 31 of them, then resets. */
    static void answerPartlyThenReset(ServerSocket server, int length) {
        try (Socket connection = server.accept()) {
            InputStream in = connection.getInputStream();
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.ISO_8859_1).contains("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    return;
                }
                head.write(b);
            }
            connection.getOutputStream().write(("HTTP/1.1 200 OK\r\ncontent-length: " + length + "\r\n\r\n"
                    + "the first part of a long answer").getBytes(StandardCharsets.US_ASCII));
            connection.getOutputStream().flush();
            Thread.sleep(200);
            connection.setSoLinger(true, 0);   // close with a reset
        } catch (IOException | InterruptedException e) {
            // the test fails on its own side if this does not happen
        }
    }

    /** Everything until the server closes; a read timeout (a hang) fails the test. */
    static String readUntilClosed(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                all.write(buffer, 0, n);
            }
        } catch (java.net.SocketException reset) {
            // closed by reset: as good as a close here
        }
        return all.toString(StandardCharsets.ISO_8859_1);
    }
}
