import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

import com.sun.net.httpserver.HttpServer;

/**
 * An application for a test pod, run with the JDK's source launcher: {@code java PodHttpEcho.java
 * PORT}. Answers every request with the x-forwarded-client-cert header it received (or "none"),
 * so a test can see who the sidecar says called. Prints "ready" once listening.
 */
public class PodHttpEcho {

    public static void main(String[] args) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(Integer.parseInt(args[0])), 64);
        server.createContext("/", exchange -> {
            String xfcc = exchange.getRequestHeaders().getFirst("x-forwarded-client-cert");
            byte[] body = ("xfcc=" + (xfcc == null ? "none" : xfcc)).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        System.out.println("ready");
        System.out.flush();
    }
}
