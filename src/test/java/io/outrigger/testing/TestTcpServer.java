package io.outrigger.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A plain TCP server on an ephemeral port, one virtual thread per connection, speaking one of
 * three small non-HTTP protocols: echo; a banner first and then echo (a server-first protocol,
 * like SMTP or MySQL); or "read until the client's FIN, then answer how many bytes came" (which
 * works only if a half-close gets through).
 */
public final class TestTcpServer implements AutoCloseable {

    public enum Mode { ECHO, BANNER_THEN_ECHO, COUNT_UNTIL_FIN }

    public static final String BANNER = "220 outrigger-test ready\r\n";

    private final ServerSocket socket;
    private final Mode mode;
    private final AtomicInteger connections = new AtomicInteger();

    private TestTcpServer(Mode mode, String host) throws IOException {
        this.mode = mode;
        this.socket = new ServerSocket(0, 50, InetAddress.getByName(host));
        Thread.ofVirtual().name("tcp-test-server-" + mode).start(this::accept);
    }

    public static TestTcpServer start(Mode mode) {
        return start(mode, "127.0.0.1");
    }

    public static TestTcpServer start(Mode mode, String host) {
        try {
            return new TestTcpServer(mode, host);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public int port() {
        return socket.getLocalPort();
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    /** Connections accepted so far. */
    public int connections() {
        return connections.get();
    }

    private void accept() {
        while (!socket.isClosed()) {
            try {
                Socket connection = socket.accept();
                connections.incrementAndGet();
                Thread.ofVirtual().start(() -> serve(connection));
            } catch (IOException e) {
                return;   // closed
            }
        }
    }

    private void serve(Socket connection) {
        try (connection; InputStream in = connection.getInputStream(); OutputStream out = connection.getOutputStream()) {
            if (mode == Mode.BANNER_THEN_ECHO) {
                out.write(BANNER.getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            byte[] buffer = new byte[16 * 1024];
            long total = 0;
            for (int n; (n = in.read(buffer)) >= 0; ) {
                total += n;
                if (mode != Mode.COUNT_UNTIL_FIN) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
            }
            if (mode == Mode.COUNT_UNTIL_FIN) {
                out.write(("got " + total + " bytes\n").getBytes(StandardCharsets.US_ASCII));
            }
        } catch (IOException e) {
            // the client went away: nothing to answer
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }
}
