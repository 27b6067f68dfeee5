import java.io.IOException;
import java.net.InetSocketAddress;
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
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Outrigger side by side with the proxies its users would otherwise pick, in one run on one
 * machine. The upstream (nginx, a fixed 1 KiB body) and the load generators share CPU 0; each
 * proxy runs alone on CPU 1, as a sidecar limited to one core would. Every target, in turn,
 * round after round: closed-loop load (wrk, 64 connections) and a fixed 2,000 requests per
 * second (h2load, 4 connections), after the same warm-up for all. Medians of the rounds.
 *
 *   bench/compare [--rounds 3] [--warmup 30] [--seconds 15] [--targets a,b] [--no-startup] [--baseline JAR]
 *
 * The targets netty-floor, hybrid-floor and reactor-netty-floor (bench/floor) run only when
 * named: bare relays that show what each stack costs before any of Outrigger's work.
 *
 * (bench/compare builds what is missing and runs this with JDK 25.)
 */
public class Compare {

    static final String HOST = "upstream";
    static final String PATH = "/1k";
    static final int CONNECTIONS = 64;
    static final int RATE = 2000;
    // h2load's clients send in phase: each period brings one request from every connection at
    // once. With 16 connections that burst of 16, not the proxy's latency, set the p50 (1.0 ms
    // against 0.18 ms with 4 connections, for the same 2,000/s through Outrigger).
    static final int RATE_CONNECTIONS = 4;
    static final Path OUTRIGGER_JAR = Path.of("target/outrigger-0.1.0-SNAPSHOT.jar");
    static final Path GATEWAY_JAR = Path.of("bench/gateway/target/bench-gateway.jar");
    static final Path FLOOR_JAR = Path.of("bench/floor/target/bench-floor.jar");
    static final long CLOCK_TICKS = 100;   // USER_HZ: /proc's utime and stime unit on Linux

    static Path work;
    static int upstreamPort;
    static List<String> jvmFlags;

    public static void main(String[] args) throws Exception {
        Map<String, String> options = options(args);
        int rounds = Integer.parseInt(options.getOrDefault("rounds", "3"));
        int warmup = Integer.parseInt(options.getOrDefault("warmup", "30"));
        int seconds = Integer.parseInt(options.getOrDefault("seconds", "15"));
        // Readable by all: nginx's workers run as an unprivileged user and serve from here.
        work = Files.createTempDirectory("outrigger-compare", java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x")));
        jvmFlags = new ArrayList<>(Arrays.asList(run(List.of("image/steps", "flags")).trim().split(" ")));
        jvmFlags.add("-XX:MaxRAM=256m");   // the sidecar container's memory limit (manifests/httpbin.yaml)
        Pki.make(work.resolve("pki"));

        Map<String, Target> all = new LinkedHashMap<>();
        for (Target target : List.of(new Direct(), new NginxProxy(), new HaProxy(), new Gateway(),
                new Outrigger("outrigger", OUTRIGGER_JAR), new NginxTls(), new OutriggerMtls("outrigger-mtls", OUTRIGGER_JAR, false))) {
            all.put(target.name(), target);
        }
        List<Target> everyDefault = List.copyOf(all.values());
        // Not run unless named: the two sidecars with h2-upgrade, HTTP/1.1 carried as HTTP/2 between them.
        all.put("outrigger-mtls-h2", new OutriggerMtls("outrigger-mtls-h2", OUTRIGGER_JAR, true));
        // Not run unless named: what the bare stacks cost, to read Outrigger's figures against.
        for (String stack : List.of("netty", "hybrid", "reactor-netty")) {
            Target floor = new Floor(stack);
            all.put(floor.name(), floor);
        }
        // Another build of Outrigger, to measure a change side by side: --baseline path/to/outrigger.jar
        // adds the targets baseline and baseline-mtls, run only when named.
        if (options.containsKey("baseline")) {
            Path baseline = Path.of(options.get("baseline"));
            if (!Files.isRegularFile(baseline)) {
                throw new IllegalArgumentException("--baseline " + baseline + ": no such jar");
            }
            all.put("baseline", new Outrigger("baseline", baseline));
            all.put("baseline-mtls", new OutriggerMtls("baseline-mtls", baseline, false));
        }
        List<Target> targets = options.containsKey("targets")
                ? Stream.of(options.get("targets").split(",")).map(name -> require(all, name)).toList()
                : everyDefault;

        System.out.println(machine());
        System.out.println("logs and configs: " + work);
        Proc upstream = Nginx.upstream();
        Map<String, List<Result>> results = new LinkedHashMap<>();
        try {
            for (int round = 1; round <= rounds; round++) {
                for (Target target : targets) {
                    Result result = measure(target, warmup, seconds);
                    results.computeIfAbsent(target.name(), k -> new ArrayList<>()).add(result);
                    System.out.printf("round %d  %-15s %s%n", round, target.name(), result);
                }
            }
        } finally {
            upstream.stop();
        }
        System.out.println();
        System.out.println(table(results, rounds, warmup, seconds));
        if (!options.containsKey("no-startup")) {
            System.out.println();
            System.out.println(run(List.of("image/check", "3")));
        }
    }

    static Result measure(Target target, int warmup, int seconds) throws Exception {
        List<Proc> procs = new ArrayList<>();
        try {
            target.start(procs);
            awaitServing(target.port(), procs);
            wrk(target.port(), warmup);
            long before = cpuTicks(procs);
            Wrk closed = wrk(target.port(), seconds);
            long between = cpuTicks(procs);
            H2load fixed = h2load(target.port(), seconds);
            long after = cpuTicks(procs);
            long rss = 0;
            for (Proc proc : procs) {
                rss += proc.rssKiB();
            }
            boolean proxy = !procs.isEmpty();   // "direct" has no proxy to measure
            return new Result(closed.requestsPerSecond, closed.p50, closed.p99, fixed.p50, fixed.p99,
                    proxy ? cpuMicrosPerRequest(between - before, closed.requests) : Double.NaN,
                    proxy ? cpuMicrosPerRequest(after - between, fixed.requests) : Double.NaN,
                    proxy ? rss / 1024.0 : Double.NaN, closed.errors + fixed.errors);
        } finally {
            for (Proc proc : procs) {
                proc.stop();
            }
        }
    }

    record Result(double rps, double p50, double p99, double fixedP50, double fixedP99,
            double cpuMicros, double fixedCpuMicros, double rssMiB, long errors) {
        @Override
        public String toString() {
            return String.format("%8.0f req/s  p50 %6.3f ms  p99 %6.3f ms | at %d/s p50 %6.3f ms  p99 %6.3f ms"
                    + " | CPU %6.1f µs/req (%6.1f at %d/s) | RSS %6.1f MiB | errors %d",
                    rps, p50, p99, RATE, fixedP50, fixedP99, cpuMicros, fixedCpuMicros, RATE, rssMiB, errors);
        }
    }

    // ---- the targets --------------------------------------------------------------------------

    interface Target {
        String name();

        /** Starts the proxy in front of the upstream, its processes pinned to CPU 1 and added to {@code procs} as they start. */
        void start(List<Proc> procs) throws Exception;

        int port();
    }

    /** The upstream itself: the load generator's own cost, and a floor for latency. */
    static final class Direct implements Target {
        public String name() { return "direct"; }
        public void start(List<Proc> procs) { }
        public int port() { return upstreamPort; }
    }

    /** nginx as a reverse proxy: one worker, keep-alive to the upstream. */
    static final class NginxProxy implements Target {
        int port;
        public String name() { return "nginx"; }
        public int port() { return port; }
        public void start(List<Proc> procs) throws Exception {
            port = freePort();
            procs.add(Nginx.start("proxy", """
                    upstream up { server 127.0.0.1:%d; keepalive 64; keepalive_requests 1000000; }
                    server {
                      listen 127.0.0.1:%d;
                      location / { proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection ""; }
                    }
                    """.formatted(upstreamPort, port)));
        }
    }

    /** HAProxy: one thread, upstream connections reused always. */
    static final class HaProxy implements Target {
        int port;
        public String name() { return "haproxy"; }
        public int port() { return port; }
        public void start(List<Proc> procs) throws Exception {
            port = freePort();
            Path config = work.resolve("haproxy.cfg");
            Files.writeString(config, """
                    global
                      nbthread 1
                      maxconn 4096
                    defaults
                      mode http
                      timeout connect 5s
                      timeout client 60s
                      timeout server 60s
                      http-reuse always
                    frontend bench
                      bind 127.0.0.1:%d
                      default_backend up
                    backend up
                      server up 127.0.0.1:%d
                    """.formatted(port, upstreamPort));
            procs.add(Proc.start("haproxy", 1, List.of("haproxy", "-db", "-f", config.toString())));
        }
    }

    /** Spring Cloud Gateway (WebFlux server), one route, the same JVM flags as Outrigger. */
    static final class Gateway implements Target {
        int port;
        public String name() { return "gateway"; }
        public int port() { return port; }
        public void start(List<Proc> procs) throws Exception {
            port = freePort();
            List<String> command = new ArrayList<>(List.of(java()));
            command.addAll(jvmFlags);
            command.addAll(List.of("-jar", GATEWAY_JAR.toString(), "--server.port=" + port,
                    "--upstream=http://127.0.0.1:" + upstreamPort));
            procs.add(Proc.start("gateway", 1, command));
        }
    }

    /**
     * A bare relay on one of the stacks a sidecar could be built on (bench/floor): plain Netty,
     * Reactor Netty's HttpServer with a plain Netty client, or Reactor Netty on both sides as
     * Outrigger uses it. Same JVM and flags as Outrigger; no routing, filters or metrics.
     */
    static final class Floor implements Target {
        final String stack;
        int port;
        Floor(String stack) { this.stack = stack; }
        public String name() { return stack + "-floor"; }
        public int port() { return port; }
        public void start(List<Proc> procs) throws Exception {
            port = freePort();
            List<String> command = new ArrayList<>(List.of(java()));
            command.addAll(jvmFlags);
            command.addAll(List.of("-jar", FLOOR_JAR.toString(), stack, String.valueOf(port), "127.0.0.1:" + upstreamPort));
            procs.add(Proc.start(name(), 1, command));
        }
    }

    /** Outrigger's outbound listener, one route to the upstream, access log off as the others'. */
    static final class Outrigger implements Target {
        final String name;
        final Path jar;
        int port;
        Outrigger(String name, Path jar) { this.name = name; this.jar = jar; }
        public String name() { return name; }
        public int port() { return port; }
        public void start(List<Proc> procs) throws Exception {
            port = freePort();
            procs.add(Sidecars.start(jar, name, port, freePort(), """
                    outrigger:
                      access-log: { enabled: false }
                      routes: [ { name: upstream, hosts: [ "*" ], route: [ { cluster: upstream } ] } ]
                      clusters: { upstream: { endpoints: [ "127.0.0.1:%d" ] } }
                    """.formatted(upstreamPort)));
        }
    }

    /** Two nginx on CPU 1: one originates TLS with a client certificate, one terminates it. */
    static final class NginxTls implements Target {
        int port;
        public String name() { return "nginx-tls"; }
        public int port() { return port; }
        public void start(List<Proc> procs) throws Exception {
            port = freePort();
            int back = freePort();
            Path pki = work.resolve("pki");
            procs.add(Nginx.start("tls-back", """
                    upstream up { server 127.0.0.1:%d; keepalive 64; keepalive_requests 1000000; }
                    server {
                      listen 127.0.0.1:%d ssl;
                      ssl_protocols TLSv1.3;
                      ssl_certificate %s/b.pem; ssl_certificate_key %s/b.key;
                      ssl_client_certificate %s/ca.pem; ssl_verify_client on;
                      location / { proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection ""; }
                    }
                    """.formatted(upstreamPort, back, pki, pki, pki)));
            procs.add(Nginx.start("tls-front", """
                    upstream back { server 127.0.0.1:%d; keepalive 64; keepalive_requests 1000000; }
                    server {
                      listen 127.0.0.1:%d;
                      location / {
                        proxy_pass https://back; proxy_http_version 1.1; proxy_set_header Connection "";
                        proxy_ssl_protocols TLSv1.3;
                        proxy_ssl_certificate %s/a.pem; proxy_ssl_certificate_key %s/a.key;
                        proxy_ssl_trusted_certificate %s/ca.pem; proxy_ssl_verify on; proxy_ssl_name b.bench;
                        proxy_ssl_session_reuse on;
                      }
                    }
                    """.formatted(back, port, pki, pki, pki)));
        }
    }

    /** Two Outrigger sidecars on CPU 1 with mTLS between them (SPIFFE identities, STRICT). */
    static final class OutriggerMtls implements Target {
        final String name;
        final Path jar;
        final boolean h2Upgrade;
        int port;
        OutriggerMtls(String name, Path jar, boolean h2Upgrade) { this.name = name; this.jar = jar; this.h2Upgrade = h2Upgrade; }
        public String name() { return name; }
        public int port() { return port; }
        public void start(List<Proc> procs) throws Exception {
            port = freePort();
            int backInbound = freePort();
            Path pki = work.resolve("pki");
            procs.add(Sidecars.start(jar, name + "-back", freePort(), backInbound, """
                    outrigger:
                      access-log: { enabled: false }
                      tls: { cert-chain: %s/b.pem, private-key: %s/b.key, trust-bundle: %s/ca.pem }
                      inbound:
                        app-port: %d
                        tls-mode: STRICT
                        authorization: { allow-principals: [ "%s" ] }
                    """.formatted(pki, pki, pki, upstreamPort, Pki.spiffeId("a"))));
            procs.add(Sidecars.start(jar, name + "-front", port, freePort(), """
                    outrigger:
                      access-log: { enabled: false }
                      tls: { cert-chain: %s/a.pem, private-key: %s/a.key, trust-bundle: %s/ca.pem }
                      routes: [ { name: upstream, hosts: [ "*" ], route: [ { cluster: back } ] } ]
                      clusters:
                        back: { endpoints: [ "127.0.0.1:%d" ], tls: mutual, peer-principals: [ "%s" ], h2-upgrade: %b }
                    """.formatted(pki, pki, pki, backInbound, Pki.spiffeId("b"), h2Upgrade)));
        }
    }

    // ---- the processes ------------------------------------------------------------------------

    static final class Nginx {
        /** The upstream on CPU 0: one worker serving a fixed 1 KiB body from a file. */
        static Proc upstream() throws Exception {
            Path root = Files.createDirectories(work.resolve("www"));
            Files.writeString(root.resolve(PATH.substring(1)), "x".repeat(1023) + "\n");
            upstreamPort = freePort();
            Proc proc = start("upstream", 0, """
                    server {
                      listen 127.0.0.1:%d;
                      location / { root %s; }
                    }
                    """.formatted(upstreamPort, root));
            try {
                awaitServing(upstreamPort, List.of(proc));
            } catch (Exception e) {
                proc.stop();
                throw e;
            }
            return proc;
        }

        static Proc start(String name, String servers) throws Exception {
            return start(name, 1, servers);
        }

        static Proc start(String name, int cpu, String servers) throws Exception {
            Path dir = Files.createDirectories(work.resolve("nginx-" + name));
            Path config = dir.resolve("nginx.conf");
            Files.writeString(config, """
                    daemon off;
                    worker_processes 1;
                    pid %1$s/nginx.pid;
                    error_log %1$s/error.log warn;
                    events { worker_connections 4096; }
                    http {
                      access_log off;
                      keepalive_requests 1000000;
                      client_body_temp_path %1$s/body; proxy_temp_path %1$s/proxy;
                      fastcgi_temp_path %1$s/fastcgi; uwsgi_temp_path %1$s/uwsgi; scgi_temp_path %1$s/scgi;
                    %2$s
                    }
                    """.formatted(dir, servers.indent(2)));
            return Proc.start("nginx-" + name, cpu, List.of("nginx", "-e", dir.resolve("error.log").toString(),
                    "-p", dir.toString(), "-c", config.toString()));
        }
    }

    static final class Sidecars {
        static Proc start(Path jar, String name, int outbound, int inbound, String yaml) throws Exception {
            Path config = work.resolve(name + ".yaml");
            Files.writeString(config, yaml);
            int admin = freePort();
            List<String> command = new ArrayList<>(List.of(java()));
            command.addAll(jvmFlags);
            command.addAll(List.of("-jar", jar.toString(),
                    "--spring.config.location=classpath:/application.yaml,file:" + config,
                    "--server.port=" + admin, "--outrigger.outbound.port=" + outbound,
                    "--outrigger.inbound.port=" + inbound));
            Proc proc = Proc.start(name, 1, command);
            try {
                awaitReady(admin, proc);
            } catch (Exception e) {
                proc.stop();
                throw e;
            }
            return proc;
        }

        static void awaitReady(int admin, Proc proc) throws Exception {
            try (HttpClient client = HttpClient.newHttpClient()) {
                HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/actuator/health/readiness")).build();
                for (int i = 0; i < 600; i++) {
                    proc.checkAlive();
                    try {
                        if (client.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                            return;
                        }
                    } catch (IOException notYet) {
                        // not listening yet
                    }
                    Thread.sleep(100);
                }
            }
            throw new IllegalStateException(proc.name + " not ready in 60 s; see " + proc.log);
        }
    }

    /** A process pinned to one CPU, its children (nginx's worker) counted with it. */
    static final class Proc {
        final String name;
        final Process process;
        final Path log;

        private Proc(String name, Process process, Path log) {
            this.name = name;
            this.process = process;
            this.log = log;
        }

        static Proc start(String name, int cpu, List<String> command) throws IOException {
            List<String> pinned = new ArrayList<>(List.of("taskset", "-c", Integer.toString(cpu)));
            pinned.addAll(command);
            Path log = work.resolve(name + ".log");
            Process process = new ProcessBuilder(pinned).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            return new Proc(name, process, log);
        }

        void checkAlive() throws IOException {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited " + process.exitValue() + ":\n" + Files.readString(log));
            }
        }

        List<ProcessHandle> tree() {
            List<ProcessHandle> tree = new ArrayList<>();
            tree.add(process.toHandle());
            process.toHandle().descendants().forEach(tree::add);
            return tree;
        }

        long rssKiB() throws IOException {
            long total = 0;
            for (ProcessHandle handle : tree()) {
                for (String line : Files.readAllLines(Path.of("/proc", Long.toString(handle.pid()), "status"))) {
                    if (line.startsWith("VmRSS:")) {
                        total += Long.parseLong(line.replaceAll("[^0-9]", ""));
                    }
                }
            }
            return total;
        }

        void stop() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor();
            }
        }
    }

    /** User and system CPU ticks of the proxy's processes, all their threads (dead ones too). */
    static long cpuTicks(List<Proc> procs) throws IOException {
        long ticks = 0;
        for (Proc proc : procs) {
            for (ProcessHandle handle : proc.tree()) {
                String stat = Files.readString(Path.of("/proc", Long.toString(handle.pid()), "stat"));
                String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                ticks += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);   // utime, stime
            }
        }
        return ticks;
    }

    static double cpuMicrosPerRequest(long ticks, long requests) {
        return requests == 0 ? Double.NaN : ticks * 1_000_000.0 / CLOCK_TICKS / requests;
    }

    // ---- the load -----------------------------------------------------------------------------

    record Wrk(long requests, double requestsPerSecond, double p50, double p99, long errors) {
    }

    /** Closed loop: 64 connections, each sending its next request when the last one is answered. */
    static Wrk wrk(int port, int seconds) throws Exception {
        String out = run(List.of("taskset", "-c", "0", "wrk", "-t1", "-c" + CONNECTIONS, "-d" + seconds + "s",
                "--latency", "-H", "Host: " + HOST, "http://127.0.0.1:" + port + PATH));
        long requests = Long.parseLong(find(out, "(\\d+) requests in"));
        long errors = 0;
        Matcher socket = Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)").matcher(out);
        if (socket.find()) {
            for (int i = 1; i <= 4; i++) {
                errors += Long.parseLong(socket.group(i));
            }
        }
        Matcher non2xx = Pattern.compile("Non-2xx or 3xx responses: (\\d+)").matcher(out);
        if (non2xx.find()) {
            errors += Long.parseLong(non2xx.group(1));
        }
        return new Wrk(requests, Double.parseDouble(find(out, "Requests/sec:\\s+([0-9.]+)")),
                millis(find(out, "\\s50%\\s+(\\S+)")), millis(find(out, "\\s99%\\s+(\\S+)")), errors);
    }

    record H2load(long requests, double p50, double p99, long errors) {
    }

    /** A fixed rate: 4 connections at 500 requests per second each; latency of every request. */
    static H2load h2load(int port, int seconds) throws Exception {
        Path log = work.resolve("h2load.tsv");
        Files.deleteIfExists(log);
        String out = run(List.of("taskset", "-c", "0", "h2load", "--h1", "-c" + RATE_CONNECTIONS,
                "--rps=" + RATE / RATE_CONNECTIONS, "-D" + seconds, "--log-file=" + log, "-H", ":authority: " + HOST,   // h2load ignores "host: "
                "http://127.0.0.1:" + port + PATH));
        long[] micros;
        try (Stream<String> lines = Files.lines(log)) {
            micros = lines.map(line -> line.split("\t")).filter(columns -> columns[1].equals("200"))
                    .mapToLong(columns -> Long.parseLong(columns[2])).sorted().toArray();
        }
        Matcher counts = Pattern.compile("requests: (\\d+) total, (\\d+) started, (\\d+) done, (\\d+) succeeded, (\\d+) failed, (\\d+) errored, (\\d+) timeout").matcher(out);
        if (!counts.find()) {
            throw new IllegalStateException("h2load said:\n" + out);
        }
        long done = Long.parseLong(counts.group(3));
        long errors = done - micros.length + Long.parseLong(counts.group(6)) + Long.parseLong(counts.group(7));
        return new H2load(done, percentile(micros, 50) / 1000.0, percentile(micros, 99) / 1000.0, errors);
    }

    static double percentile(long[] sorted, double p) {
        return sorted.length == 0 ? Double.NaN : sorted[(int) Math.min(sorted.length - 1, Math.ceil(p / 100 * sorted.length) - 1)];
    }

    static double millis(String value) {
        Matcher m = Pattern.compile("([0-9.]+)(us|ms|s|m)").matcher(value);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a wrk duration: " + value);
        }
        double number = Double.parseDouble(m.group(1));
        return switch (m.group(2)) {
            case "us" -> number / 1000;
            case "ms" -> number;
            case "s" -> number * 1000;
            default -> number * 60_000;
        };
    }

    /** Waits until a GET through {@code port} is answered 200, while {@code procs} live. */
    static void awaitServing(int port, List<Proc> procs) throws Exception {
        Exception last = null;
        for (int i = 0; i < 300; i++) {
            for (Proc proc : procs) {
                proc.checkAlive();
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                socket.setSoTimeout(5000);
                socket.getOutputStream().write(("GET " + PATH + " HTTP/1.1\r\nHost: " + HOST + "\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                if (answer.startsWith("HTTP/1.1 200")) {
                    return;
                }
                last = new IllegalStateException(answer.lines().findFirst().orElse("(nothing)"));
            } catch (IOException e) {
                last = e;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("nothing serves 200 on port " + port, last);
    }

    // ---- the report ---------------------------------------------------------------------------

    static String table(Map<String, List<Result>> results, int rounds, int warmup, int seconds) {
        StringBuilder table = new StringBuilder();
        table.append("Medians of %d rounds (%d s warm-up, %d s each measurement), %s:%n%n".formatted(rounds, warmup, seconds, LocalDate.now()));
        table.append("| target | req/s (64 conns) | p50 / p99 ms | at %,d/s p50 / p99 ms | CPU µs/req | CPU µs/req at %,d/s | RSS MiB | errors |%n".formatted(RATE, RATE));
        table.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |%n".formatted());
        for (Map.Entry<String, List<Result>> entry : results.entrySet()) {
            List<Result> r = entry.getValue();
            table.append("| %s | %,.0f | %.2f / %.2f | %.2f / %.2f | %s | %s | %s | %d |%n".formatted(entry.getKey(),
                    median(r, Result::rps), median(r, Result::p50), median(r, Result::p99),
                    median(r, Result::fixedP50), median(r, Result::fixedP99),
                    orDash(median(r, Result::cpuMicros), "%.1f"), orDash(median(r, Result::fixedCpuMicros), "%.1f"),
                    orDash(median(r, Result::rssMiB), "%.0f"), r.stream().mapToLong(Result::errors).sum()));
        }
        return table.toString();
    }

    static String orDash(double value, String format) {
        return Double.isNaN(value) ? "-" : format.formatted(value);
    }

    static double median(List<Result> results, ToDoubleFunction<Result> metric) {
        double[] values = results.stream().mapToDouble(metric).sorted().toArray();
        int mid = values.length / 2;
        return values.length % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }

    static String machine() throws Exception {
        String cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                .findFirst().map(l -> l.substring(l.indexOf(':') + 2)).orElse("?");
        return String.join("\n",
                "machine: " + Runtime.getRuntime().availableProcessors() + " CPUs, " + cpu + ", " + run(List.of("uname", "-sr")).trim(),
                "java: " + Runtime.version() + " " + String.join(" ", jvmFlags),
                "nginx: " + run(List.of("nginx", "-v")).trim(),
                "haproxy: " + run(List.of("haproxy", "-v")).lines().findFirst().orElse("?"),
                "wrk: " + run(List.of("wrk", "-v")).lines().findFirst().orElse("?").trim(),
                "h2load: " + run(List.of("h2load", "--version")).trim());
    }

    // ---- small things -------------------------------------------------------------------------

    static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    static String run(List<String> command) throws Exception {
        Path out = Files.createTempFile(work, "run", ".out");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        // Every measurement is a minute or two at most: a command that hangs ends the run.
        if (!process.waitFor(10, TimeUnit.MINUTES)) {
            process.destroyForcibly().waitFor();
            throw new IllegalStateException(String.join(" ", command) + " still running after 10 minutes:\n" + Files.readString(out));
        }
        String output = Files.readString(out);
        Files.delete(out);
        if (process.exitValue() != 0 && !command.contains("-v")) {
            throw new IllegalStateException(String.join(" ", command) + " exited " + process.exitValue() + ":\n" + output);
        }
        return output;
    }

    static String find(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        if (!m.find()) {
            throw new IllegalStateException("no /" + regex + "/ in:\n" + text);
        }
        return m.group(1);
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    static Target require(Map<String, Target> all, String name) {
        Target target = all.get(name);
        if (target == null) {
            throw new IllegalArgumentException("no target '" + name + "'; there are " + all.keySet());
        }
        return target;
    }

    static Map<String, String> options(String[] args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("usage: bench/compare [--rounds N] [--warmup S] [--seconds S] [--targets a,b] [--no-startup] [--baseline JAR]");
            }
            String name = args[i].substring(2);
            options.put(name, name.equals("no-startup") ? "true" : args[++i]);
        }
        return options;
    }

    /** A CA and two SPIFFE identities (a, b) made with openssl, for both mTLS paths. */
    static final class Pki {
        static String spiffeId(String name) {
            return "spiffe://cluster.local/ns/bench/sa/" + name;
        }

        static void make(Path dir) throws Exception {
            Files.createDirectories(dir);
            run(List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", dir + "/ca.key", "-out", dir + "/ca.pem", "-days", "2", "-subj", "/CN=bench-ca"));
            for (String name : List.of("a", "b")) {
                Path ext = dir.resolve(name + ".ext");
                Files.writeString(ext, """
                        basicConstraints=CA:FALSE
                        keyUsage=digitalSignature
                        extendedKeyUsage=serverAuth,clientAuth
                        subjectAltName=URI:%s,DNS:%s.bench
                        """.formatted(spiffeId(name), name));
                run(List.of("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-keyout", dir + "/" + name + ".key", "-out", dir + "/" + name + ".csr", "-subj", "/CN=" + name + ".bench"));
                run(List.of("openssl", "x509", "-req", "-in", dir + "/" + name + ".csr", "-CA", dir + "/ca.pem",
                        "-CAkey", dir + "/ca.key", "-CAcreateserial", "-days", "2", "-extfile", ext.toString(),
                        "-out", dir + "/" + name + ".pem"));
            }
        }
    }
}
