package io.outrigger.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.awaitility.core.ConditionTimeoutException;

import static org.awaitility.Awaitility.await;

/** A real Prometheus server (Debian's package) on loopback, scraping one target every second. */
public final class PrometheusServer implements AutoCloseable {

    public static final Path BINARY = Path.of("/usr/bin/prometheus");
    private static final Pattern VALUE = Pattern.compile("\"value\":\\[[0-9.]+,\"([^\"]+)\"]");

    private final Process process;
    private final Path dir;
    private final int port;

    private PrometheusServer(Process process, Path dir, int port) {
        this.process = process;
        this.dir = dir;
        this.port = port;
    }

    public static PrometheusServer scraping(int targetPort, String metricsPath) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("outrigger-prometheus");
        Files.writeString(dir.resolve("prometheus.yml"), """
                global: { scrape_interval: 1s, evaluation_interval: 1s }
                scrape_configs:
                  - job_name: outrigger
                    metrics_path: %s
                    static_configs: [ { targets: [ "127.0.0.1:%d" ] } ]
                """.formatted(metricsPath, targetPort));
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Process process = new ProcessBuilder(BINARY.toString(), "--config.file=" + dir.resolve("prometheus.yml"),
                "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
        PrometheusServer server = new PrometheusServer(process, dir, port);
        try {
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                    .ignoreException(IllegalStateException.class)   // not listening yet
                    .until(() -> Admin.get(port, "/-/ready").statusCode() == 200);
            return server;
        } catch (ConditionTimeoutException notReady) {
            // reported below, with the log
        }
        server.close();
        throw new IllegalStateException("prometheus did not become ready: " + Files.readString(dir.resolve("prometheus.log")));
    }

    /** The value of an instant query that yields one sample, or NaN when it yields none. */
    public double query(String promql) {
        return query(promql, null);
    }

    /** The same, evaluated at {@code time} (seconds since the epoch, as Prometheus writes it). */
    public double query(String promql, String time) {
        String at = time == null ? "" : "&time=" + time;
        HttpResponse<String> response = Admin.get(port,
                "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8) + at);
        if (response.statusCode() != 200) {
            throw new IllegalStateException(promql + ": " + response.body());
        }
        Matcher matcher = VALUE.matcher(response.body());
        return matcher.find() ? Double.parseDouble(matcher.group(1)) : Double.NaN;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }
}
