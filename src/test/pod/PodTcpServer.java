import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * Non-HTTP servers for the application side of a test pod, run with the JDK's source launcher:
 * {@code java PodTcpServer.java PORT echo PORT banner ...}. "echo" sends back what it reads;
 * "banner" speaks first (as SMTP or MySQL do), then echoes. Prints "ready" once all listen.
 */
public class PodTcpServer {

    public static void main(String[] args) throws Exception {
        for (int i = 0; i + 1 < args.length; i += 2) {
            ServerSocket server = new ServerSocket(Integer.parseInt(args[i]));
            boolean banner = args[i + 1].equals("banner");
            Thread.ofPlatform().start(() -> accept(server, banner));
        }
        System.out.println("ready");
        System.out.flush();
        Thread.currentThread().join();
    }

    static void accept(ServerSocket server, boolean banner) {
        while (true) {
            try {
                Socket socket = server.accept();
                Thread.ofVirtual().start(() -> serve(socket, banner));
            } catch (Exception e) {
                return;
            }
        }
    }

    static void serve(Socket socket, boolean banner) {
        try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
            if (banner) {
                out.write("220 pod-app ready\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            byte[] buffer = new byte[8192];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (Exception e) {
            // the client went away
        }
    }
}
