import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * HTTP/2 through Outrigger against nginx proxying HTTP/2 (h2c in, h2c out with grpc_pass, the
 * way nginx proxies gRPC), side by side in one run, laid out as bench/compare: the upstream
 * (nginx, h2c, a fixed 1 KiB body) and h2load share CPU 0; each proxy runs alone on CPU 1. Per
 * target and round: closed-loop load (h2load, 16 connections of 10 streams each) and a fixed
 * 2,000 requests per second (4 connections), after the same warm-up. Medians of the rounds, and
 * Outrigger's CPU per request as a ratio to nginx's in the same run.
 *
 *   bench/http2 [--rounds 3] [--warmup 20] [--seconds 15]
 *
 * It reuses bench/Compare.java's processes, pinning and CPU accounting (Java runs both files).
 */
public class Http2Compare {

    static final String BODY_PATH = "/1k";
    static final int RATE = 2000;
    static final int RATE_CONNECTIONS = 4;

    public static void main(String[] args) throws Exception {
        Map<String, String> options = Compare.options(args);
        int rounds = Integer.parseInt(options.getOrDefault("rounds", "3"));
        int warmup = Integer.parseInt(options.getOrDefault("warmup", "20"));
        int seconds = Integer.parseInt(options.getOrDefault("seconds", "15"));
        Compare.work = Files.createTempDirectory("outrigger-http2", java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x")));
        Compare.jvmFlags = new ArrayList<>(Arrays.asList(Compare.run(List.of("image/steps", "flags")).trim().split(" ")));
        Compare.jvmFlags.add("-XX:MaxRAM=256m");
        System.out.println(Compare.machine());
        System.out.println("logs and configs: " + Compare.work);

        Path root = Files.createDirectories(Compare.work.resolve("www"));
        Files.writeString(root.resolve(BODY_PATH.substring(1)), "x".repeat(1023) + "\n");
        int upstreamPort = Compare.freePort();
        Compare.Proc upstream = Compare.Nginx.start("upstream", 0, """
                server {
                  listen 127.0.0.1:%d http2;
                  location / { root %s; }
                }
                """.formatted(upstreamPort, root));
        Map<String, List<double[]>> results = new LinkedHashMap<>();
        try {
            awaitH2(upstreamPort);
            for (int round = 1; round <= rounds; round++) {
                for (String target : List.of("nginx", "outrigger")) {
                    double[] result = measure(target, upstreamPort, warmup, seconds);
                    results.computeIfAbsent(target, k -> new ArrayList<>()).add(result);
                    System.out.printf("round %d  %-10s %8.0f req/s | CPU %6.1f µs/req closed, %6.1f at %d/s | p50 %6.3f p99 %6.3f ms at %d/s | RSS %5.1f MiB | errors %.0f%n",
                            round, target, result[0], result[1], result[2], RATE, result[3], result[4], RATE, result[5], result[6]);
                }
            }
        } finally {
            upstream.stop();
        }
        double[] nginx = medians(results.get("nginx"));
        double[] outrigger = medians(results.get("outrigger"));
        System.out.printf("%nmedians of %d rounds (%d s warm-up, %d s each)%n", rounds, warmup, seconds);
        System.out.println("| | req/s, closed loop | CPU µs/req, closed | CPU µs/req at 2,000/s | p50 / p99 ms at 2,000/s | RSS MiB |");
        System.out.println("| --- | --- | --- | --- | --- | --- |");
        for (Map.Entry<String, double[]> row : Map.of("nginx (grpc_pass)", nginx, "outrigger", outrigger).entrySet().stream()
                .sorted(Map.Entry.comparingByKey()).toList()) {
            double[] m = row.getValue();
            System.out.printf("| %s | %.0f | %.1f | %.1f | %.3f / %.3f | %.1f |%n", row.getKey(), m[0], m[1], m[2], m[3], m[4], m[5]);
        }
        System.out.printf("%nOutrigger / nginx: throughput %.2f, CPU per request %.2f closed loop and %.2f at %d/s (target: at most 2)%n",
                outrigger[0] / nginx[0], outrigger[1] / nginx[1], outrigger[2] / nginx[2], RATE);
    }

    /** {req/s closed, CPU µs/req closed, CPU µs/req fixed, p50 fixed, p99 fixed, RSS MiB, errors}. */
    static double[] measure(String target, int upstreamPort, int warmup, int seconds) throws Exception {
        List<Compare.Proc> procs = new ArrayList<>();
        try {
            int port = Compare.freePort();
            if (target.equals("nginx")) {
                procs.add(Compare.Nginx.start("h2-proxy", """
                        upstream up { server 127.0.0.1:%d; keepalive 64; keepalive_requests 1000000; }
                        server {
                          listen 127.0.0.1:%d http2;
                          location / { grpc_pass grpc://up; }
                        }
                        """.formatted(upstreamPort, port)));
            } else {
                procs.add(Compare.Sidecars.start(Path.of("target/outrigger-0.1.0-SNAPSHOT.jar"), "outrigger-h2", port,
                        Compare.freePort(), """
                        outrigger:
                          access-log: { enabled: false }
                          routes:
                            - { name: upstream, hosts: [ upstream ], route: [ { cluster: upstream } ] }
                          clusters:
                            upstream: { endpoints: [ "127.0.0.1:%d" ] }
                        """.formatted(upstreamPort)));
            }
            awaitH2(port);
            h2load(port, List.of("-c16", "-m10", "-D" + warmup), null);
            long before = Compare.cpuTicks(procs);
            Load closed = h2load(port, List.of("-c16", "-m10", "-D" + seconds), null);
            long between = Compare.cpuTicks(procs);
            Path log = Compare.work.resolve("h2load.tsv");
            Load fixed = h2load(port, List.of("-c" + RATE_CONNECTIONS, "--rps=" + RATE / RATE_CONNECTIONS, "-D" + seconds), log);
            long after = Compare.cpuTicks(procs);
            long rss = 0;
            for (Compare.Proc proc : procs) {
                rss += proc.rssKiB();
            }
            return new double[] {closed.requests / (double) seconds,
                    Compare.cpuMicrosPerRequest(between - before, closed.requests),
                    Compare.cpuMicrosPerRequest(after - between, fixed.requests),
                    fixed.p50, fixed.p99, rss / 1024.0, closed.errors + fixed.errors};
        } finally {
            for (Compare.Proc proc : procs) {
                proc.stop();
            }
        }
    }

    record Load(long requests, long errors, double p50, double p99) {
    }

    static Load h2load(int port, List<String> shape, Path log) throws Exception {
        List<String> command = new ArrayList<>(List.of("taskset", "-c", "0", "h2load"));
        command.addAll(shape);
        if (log != null) {
            Files.deleteIfExists(log);
            command.add("--log-file=" + log);
        }
        command.addAll(List.of("-H", ":authority: upstream", "http://127.0.0.1:" + port + BODY_PATH));
        String out = Compare.run(command);
        Matcher counts = Pattern.compile("requests: (\\d+) total, (\\d+) started, (\\d+) done, (\\d+) succeeded, (\\d+) failed, (\\d+) errored, (\\d+) timeout").matcher(out);
        if (!counts.find()) {
            throw new IllegalStateException("h2load said:\n" + out);
        }
        long succeeded = Long.parseLong(counts.group(4));
        long errors = Long.parseLong(counts.group(3)) - succeeded + Long.parseLong(counts.group(6)) + Long.parseLong(counts.group(7));
        double p50 = Double.NaN;
        double p99 = Double.NaN;
        if (log != null) {
            long[] micros;
            try (Stream<String> lines = Files.lines(log)) {
                micros = lines.map(line -> line.split("\t")).filter(columns -> columns[1].equals("200"))
                        .mapToLong(columns -> Long.parseLong(columns[2])).sorted().toArray();
            }
            p50 = Compare.percentile(micros, 50) / 1000.0;
            p99 = Compare.percentile(micros, 99) / 1000.0;
        }
        return new Load(succeeded, errors, p50, p99);
    }

    /** Waits until {@code port} answers an HTTP/2 request with 200. */
    static void awaitH2(int port) throws Exception {
        for (int i = 0; i < 300; i++) {
            String out = Compare.run(List.of("h2load", "-n1", "-c1", "-H", ":authority: upstream",
                    "http://127.0.0.1:" + port + BODY_PATH));
            if (out.contains("1 succeeded")) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("nothing answers HTTP/2 on " + port);
    }

    static double[] medians(List<double[]> rounds) {
        double[] median = new double[rounds.get(0).length];
        for (int i = 0; i < median.length; i++) {
            int column = i;
            double[] values = rounds.stream().mapToDouble(r -> r[column]).sorted().toArray();
            median[i] = values[values.length / 2];
        }
        return median;
    }
}
