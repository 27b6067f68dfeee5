package io.outrigger.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** Writes exact bytes to a listener and reads what comes back, for requests no client would send. */
public final class RawHttp {

    private RawHttp() {
    }

    /** Sends {@code request} and returns everything the server sent until it closed or went quiet. */
    public static String exchange(int port, byte[] request) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            socket.setSoTimeout(3000);
            socket.getOutputStream().write(request);
            socket.getOutputStream().flush();
            return readAll(socket.getInputStream());
        }
    }

    public static String exchange(int port, String request) throws IOException {
        return exchange(port, request.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** The status code of the first response line, or -1 when there was none. */
    public static int status(String response) {
        if (!response.startsWith("HTTP/1.1 ") || response.length() < 12) {
            return -1;
        }
        return Integer.parseInt(response.substring(9, 12));
    }

    private static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException | java.net.SocketException e) {
            // quiet or reset: what arrived so far is the answer
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }
}
