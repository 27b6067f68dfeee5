package io.outrigger.upstream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP/1.1 upstream on loopback written on raw sockets, so a test decides exactly what each
 * request on each connection gets: an answer, an answer and then a close, or a close with no
 * answer. It counts connections accepted and closed by the client, and records each request.
 */
final class ScriptedUpstream implements AutoCloseable {

    /** What the {@code n}-th request (counted from 1) on a connection gets. */
    interface Script {
        Reply reply(int requestOnConnection, String head, byte[] body);
    }

    enum Action { ANSWER, ANSWER_THEN_CLOSE, CLOSE }

    record Reply(Action action, String response) {
        static Reply ok(String body) {
            return new Reply(Action.ANSWER, "HTTP/1.1 200 OK\r\ncontent-length: " + body.length() + "\r\n\r\n" + body);
        }
    }

    record Request(String head, byte[] body) {
    }

    private final ServerSocket server;
    private final Script script;
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger closedByClient = new AtomicInteger();
    final BlockingQueue<Request> requests = new LinkedBlockingQueue<>();

    ScriptedUpstream(Script script) throws IOException {
        this.script = script;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(this::accept);
    }

    InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    int accepted() {
        return accepted.get();
    }

    /** Connections whose client end closed while the server was waiting for a request. */
    int closedByClient() {
        return closedByClient.get();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                accepted.incrementAndGet();
                Thread.ofVirtual().start(() -> serve(socket));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            for (int n = 1; ; n++) {
                String head = readHead(in);
                if (head == null) {
                    closedByClient.incrementAndGet();
                    return;
                }
                byte[] body = readBody(in, head);
                requests.add(new Request(head, body));
                Reply reply = script.reply(n, head, body);
                if (reply.action() == Action.CLOSE) {
                    return;
                }
                out.write(reply.response().getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                if (reply.action() == Action.ANSWER_THEN_CLOSE) {
                    return;
                }
            }
        } catch (IOException e) {
            // the client went away mid-request: nothing to answer
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        int b;
        while ((b = in.read()) != -1) {
            head.write(b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
            if (matched == 4) {
                return head.toString(StandardCharsets.ISO_8859_1);
            }
        }
        return null;
    }

    private static byte[] readBody(InputStream in, String head) throws IOException {
        String lower = head.toLowerCase(Locale.ROOT);
        if (lower.contains("transfer-encoding: chunked")) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            while (true) {
                String sizeLine = readLine(in);
                int size = Integer.parseInt(sizeLine.trim(), 16);
                if (size == 0) {
                    readLine(in);   // the empty line after the last chunk
                    return body.toByteArray();
                }
                body.write(in.readNBytes(size));
                readLine(in);
            }
        }
        int at = lower.indexOf("content-length:");
        if (at < 0) {
            return new byte[0];
        }
        int length = Integer.parseInt(lower.substring(at + 15, lower.indexOf("\r\n", at)).trim());
        return in.readNBytes(length);
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
