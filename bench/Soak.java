import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The resilience soak run: mixed traffic through Outrigger to upstreams that randomly reset,
 * answer 503 and stall, for a while (2 minutes by default). At the end it checks that every
 * idempotent request either succeeded or failed with a documented status, that the listeners'
 * active connections are back to zero, that Netty's leak detector (paranoid) found nothing,
 * and that the heap after a full GC is back near where it started.
 *
 *   java bench/Soak.java [seconds] [clients]      (after ./mvnw package; JDK 25)
 */
public class Soak {

    static final Path JAR = Path.of("target/outrigger-0.1.0-SNAPSHOT.jar");

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 120;
        int clients = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        ServerSocket healthy = upstream(0, 0, 0);
        ServerSocket flaky = upstream(15, 10, 5);   // percent: 503, reset, stall
        int outbound = freePort();
        int inbound = freePort();
        int admin = freePort();
        Path dir = Files.createTempDirectory("outrigger-soak");
        Path config = dir.resolve("application.yaml");
        Files.writeString(config, """
                outrigger:
                  access-log: { enabled: false }
                  routes:
                    - name: soak
                      hosts: [ soak ]
                      route: [ { cluster: shop } ]
                      timeout: 5s
                      retries: { attempts: 2, per-try-timeout: 1s, retry-on: "5xx,reset,connect-failure" }
                  clusters:
                    shop:
                      endpoints: [ "127.0.0.1:%d", "127.0.0.1:%d" ]
                      outlier-detection: { consecutive-5xx: 5, interval: 2s, base-ejection-time: 5s, max-ejection-percent: 50 }
                """.formatted(healthy.getLocalPort(), flaky.getLocalPort()));
        String javaCommand = ProcessHandle.current().info().command().orElse("java");
        Process sidecar = new ProcessBuilder(javaCommand, "--enable-native-access=ALL-UNNAMED", "-Xmx128m", "-XX:+UseSerialGC",
                "-Dio.netty.leakDetection.level=paranoid", "-jar", JAR.toString(),
                "--spring.config.location=classpath:/application.yaml,file:" + config,
                "--server.port=" + admin, "--outrigger.outbound.port=" + outbound, "--outrigger.inbound.port=" + inbound)
                .redirectErrorStream(true).redirectOutput(dir.resolve("outrigger.log").toFile()).start();
        try (HttpClient management = HttpClient.newHttpClient()) {
            awaitReady(management, admin);
            gc(sidecar);
            double heapBefore = metric(management, admin, "jvm_memory_used_bytes", "area=\"heap\"");

            Map<String, AtomicLong> outcomes = new TreeMap<>();
            Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
            long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
            List<Thread> threads = new ArrayList<>();
            try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .proxy(java.net.ProxySelector.of(new java.net.InetSocketAddress("127.0.0.1", outbound))).build()) {
                for (int c = 0; c < clients; c++) {
                    threads.add(Thread.ofVirtual().start(() -> {
                        while (System.nanoTime() < end) {
                            boolean post = ThreadLocalRandom.current().nextInt(10) == 0;
                            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://soak/item"))
                                    .timeout(Duration.ofSeconds(10));
                            request = post ? request.POST(HttpRequest.BodyPublishers.ofString("{\"n\":1}")) : request.GET();
                            String key;
                            try {
                                HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
                                key = (post ? "POST " : "GET ") + response.statusCode();
                            } catch (IOException e) {
                                key = (post ? "POST " : "GET ") + "error " + e.getClass().getSimpleName();
                            } catch (InterruptedException e) {
                                return;
                            }
                            counts.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
                        }
                    }));
                }
                for (Thread thread : threads) {
                    thread.join();
                }
            }
            outcomes.putAll(counts);
            Thread.sleep(2000);   // let closes and counters settle
            gc(sidecar);
            double heapAfter = metric(management, admin, "jvm_memory_used_bytes", "area=\"heap\"");
            double active = metric(management, admin, "outrigger_listener_active_connections", "");
            String log = Files.readString(dir.resolve("outrigger.log"));
            long leaks = Pattern.compile("LEAK:").matcher(log).results().count();
            long total = outcomes.values().stream().mapToLong(AtomicLong::get).sum();
            long undocumented = outcomes.entrySet().stream()
                    .filter(e -> e.getKey().startsWith("GET ") && !e.getKey().matches("GET (200|502|503|504)"))
                    .mapToLong(e -> e.getValue().get()).sum();

            System.out.printf("soak: %d s, %d clients, %d requests (%.0f/s)%n", seconds, clients, total, total / (double) seconds);
            outcomes.forEach((k, v) -> System.out.printf("  %-28s %d%n", k, v.get()));
            System.out.printf("idempotent requests not 200/502/503/504: %d%n", undocumented);
            System.out.printf("active connections after: %.0f%n", active);
            System.out.printf("Netty leak reports: %d%n", leaks);
            System.out.printf("heap after full GC: %.1f MiB before, %.1f MiB after (ratio %.2f)%n",
                    heapBefore / 1048576, heapAfter / 1048576, heapAfter / heapBefore);
            boolean ok = undocumented == 0 && active == 0 && leaks == 0 && heapAfter < heapBefore * 1.5;
            System.out.println(ok ? "soak: PASS" : "soak: FAIL");
            if (!ok) {
                System.exit(1);
            }
        } finally {
            sidecar.destroy();
            healthy.close();
            flaky.close();
        }
    }

    /** An HTTP/1.1 upstream on raw sockets that answers 200, or (by the given percents) 503, a reset or a 2 s stall. */
    static ServerSocket upstream(int percent503, int percentReset, int percentStall) throws IOException {
        ServerSocket server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket connection = server.accept();
                    Thread.ofVirtual().start(() -> serve(connection, percent503, percentReset, percentStall));
                } catch (IOException closed) {
                    return;
                }
            }
        });
        return server;
    }

    static void serve(Socket connection, int percent503, int percentReset, int percentStall) {
        try (connection; InputStream in = connection.getInputStream(); OutputStream out = connection.getOutputStream()) {
            while (true) {
                String head = readHead(in);
                if (head == null) {
                    return;
                }
                Matcher length = Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
                if (length.find()) {
                    in.readNBytes(Integer.parseInt(length.group(1)));
                }
                int roll = ThreadLocalRandom.current().nextInt(100);
                if (roll < percentReset) {
                    connection.setSoLinger(true, 0);
                    return;
                }
                if (roll < percentReset + percentStall) {
                    Thread.sleep(2000);
                }
                boolean fail = roll >= percentReset + percentStall && roll < percentReset + percentStall + percent503;
                String body = fail ? "down" : "ok";
                out.write(("HTTP/1.1 " + (fail ? "503 Service Unavailable" : "200 OK") + "\r\ncontent-length: "
                        + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // the proxy closed or reset: fine
        }
    }

    static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            head.write(b);
            int n = head.size();
            if (n >= 4 && head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                return head.toString(StandardCharsets.ISO_8859_1);
            }
        }
    }

    static void gc(Process sidecar) throws Exception {
        String jcmd = Path.of(ProcessHandle.current().info().command().orElse("java")).resolveSibling("jcmd").toString();
        new ProcessBuilder(jcmd, Long.toString(sidecar.pid()), "GC.run").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
        Thread.sleep(500);
    }

    static double metric(HttpClient client, int admin, String name, String labelPart) throws Exception {
        String page = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/actuator/prometheus")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        double sum = 0;
        for (String line : page.split("\n")) {
            if (line.startsWith(name + "{") && line.contains(labelPart) || line.startsWith(name + " ")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    static void awaitReady(HttpClient client, int admin) throws Exception {
        for (int i = 0; i < 300; i++) {
            try {
                if (client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/actuator/health/readiness")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // starting
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("Outrigger did not become ready");
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
