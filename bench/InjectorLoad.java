import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * The injector under a steady 200 admission reviews per second over HTTPS, on connections kept
 * open (HTTP/2, as the API server calls webhooks): latency per review (p50, p99, max) measured by
 * the client, and the injector's RSS afterwards. Also the latency of a review on a new TLS
 * connection each, sequentially, for the handshake's share. The injector runs as its own process from the jar
 * (`outrigger injector`) with the image's JVM flags; its certificate is made with openssl.
 *
 *   bench/injector [seconds=30] [rate=200]
 */
public class InjectorLoad {

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        int rate = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        Path dir = Files.createTempDirectory("injector-bench");
        run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
                "-keyout", dir.resolve("tls.key").toString(), "-out", dir.resolve("tls.crt").toString(), "-subj", "/CN=injector",
                "-addext", "subjectAltName=IP:127.0.0.1");
        int port = freePort();
        int management = freePort();
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow()));
        command.addAll(List.of(run("image/steps", "flags").trim().split(" ")));
        command.addAll(List.of("-XX:MaxRAM=256m", "-jar", "target/outrigger-0.1.0-SNAPSHOT.jar", "injector",
                "--server.port=" + port, "--management.server.port=" + management,
                "--spring.ssl.bundle.pem.webhook.keystore.certificate=file:" + dir.resolve("tls.crt"),
                "--spring.ssl.bundle.pem.webhook.keystore.private-key=file:" + dir.resolve("tls.key")));
        Process injector = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("injector.log").toFile()).start();
        SSLContext tls = trusting(dir.resolve("tls.crt"));
        byte[] review = review().getBytes(StandardCharsets.UTF_8);
        try {
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (true) {
                try {
                    if (post(tls, port, review).startsWith("HTTP/1.1 200")) {
                        break;
                    }
                } catch (Exception notYet) {
                    if (System.nanoTime() > deadline || !injector.isAlive()) {
                        throw new IllegalStateException("the injector did not start: see " + dir.resolve("injector.log"));
                    }
                    Thread.sleep(100);
                }
            }
            for (int i = 0; i < 2_000; i++) {
                post(tls, port, review);   // warm-up: the JIT compiles the path first
            }
            List<Double> fresh = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                long start = System.nanoTime();
                post(tls, port, review);
                fresh.add((System.nanoTime() - start) / 1e6);
            }
            Collections.sort(fresh);
            HttpClient client = HttpClient.newBuilder().sslContext(tls).version(HttpClient.Version.HTTP_2).build();
            HttpRequest request = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/inject"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(review)).build();
            for (int i = 0; i < 5_000; i++) {
                client.send(request, HttpResponse.BodyHandlers.ofString());   // warm-up on the kept connection
            }
            List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
            AtomicInteger failures = new AtomicInteger();
            ScheduledExecutorService clock = Executors.newScheduledThreadPool(1);
            clock.scheduleAtFixedRate(() -> {
                long start = System.nanoTime();
                client.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((answer, error) -> {
                    if (error != null || answer.statusCode() != 200 || !answer.body().contains("\"patchType\":\"JSONPatch\"")) {
                        failures.incrementAndGet();
                    }
                    latencies.add((System.nanoTime() - start) / 1e6);
                });
            }, 0, 1_000_000 / rate, TimeUnit.MICROSECONDS);
            Thread.sleep(seconds * 1000L);
            clock.shutdownNow();
            Thread.sleep(1_000);
            List<Double> sorted = new ArrayList<>(latencies);
            Collections.sort(sorted);
            System.out.printf("%d reviews at %d/s over %d s on kept HTTP/2 connections: p50 %.1f ms, p99 %.1f ms, max %.1f ms, %d failed%n",
                    sorted.size(), rate, seconds, at(sorted, 0.50), at(sorted, 0.99), sorted.getLast(), failures.get());
            System.out.printf("200 reviews one after another, each on a new TLS connection: p50 %.1f ms, p99 %.1f ms%n",
                    at(fresh, 0.50), at(fresh, 0.99));
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(injector.pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    System.out.printf("injector RSS after the run: %.1f MiB%n", Long.parseLong(line.replaceAll("\\D", "")) / 1024.0);
                }
            }
        } finally {
            injector.destroy();
        }
        System.exit(0);
    }

    static double at(List<Double> sorted, double quantile) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(quantile * sorted.size()) - 1));
    }

    /** One review of a two-container pod with an HTTP readiness probe, as the API server sends it. */
    static String review() {
        return """
                {"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","request":{"uid":"b1","kind":{"group":"","version":"v1","kind":"Pod"},
                 "resource":{"group":"","version":"v1","resource":"pods"},"namespace":"shop","operation":"CREATE","userInfo":{"username":"system:serviceaccount:kube-system:replicaset-controller"},
                 "object":{"kind":"Pod","apiVersion":"v1","metadata":{"generateName":"web-7d9f8-","namespace":"shop","labels":{"app":"web"}},
                  "spec":{"containers":[{"name":"web","image":"web:1","ports":[{"containerPort":8080}],
                   "readinessProbe":{"httpGet":{"path":"/ready","port":8080},"periodSeconds":5}},{"name":"worker","image":"worker:1"}],
                   "serviceAccountName":"web"}},"dryRun":false}}
                """;
    }

    static String post(SSLContext tls, int port, byte[] body) throws Exception {
        try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /inject HTTP/1.1\r\nHost: injector\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            InputStream in = socket.getInputStream();
            in.transferTo(answer);
            return answer.toString(StandardCharsets.UTF_8);
        }
    }

    static SSLContext trusting(Path certificate) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(certificate)) {
            trust.setCertificateEntry("injector", (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
    }

    static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    static String run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (process.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + ": " + output);
        }
        return output;
    }
}
