import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.outrigger.discovery.Slices;
import io.outrigger.testing.MockApi;

/**
 * Discovery at scale, against the fabric8 mock API server (CRUD mode) in this JVM: 1,000 Services
 * of 10 endpoints each, and two sidecars side by side, one with discovery off, one with it on.
 * Reports the time to the first full sync, the RSS discovery adds, the time from an EndpointSlice
 * change to the first request that follows it (p50/p99 over 100 changes), the sidecar's CPU under
 * a churn of 20 endpoint updates per second, and the sidecar's CPU per request to a discovered
 * Service against a static cluster with the same endpoint, alternated in rounds in one sidecar.
 *
 *   bench/discovery [services=1000] [endpoints=10]
 */
public class DiscoveryScale {

    static final Path JAR = Path.of("target/outrigger-0.1.0-SNAPSHOT.jar");
    static final long CLOCK_TICKS = 100;   // USER_HZ: /proc's utime and stime unit

    public static void main(String[] args) throws Exception {
        int services = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int perService = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        List<String> flags = new ArrayList<>(Arrays.asList(run("image/steps", "flags").trim().split(" ")));
        flags.add("-XX:MaxRAM=256m");   // the sidecar's memory limit in the manifests
        HttpServer a = upstream("a");
        HttpServer b = upstream("b");
        java.util.logging.Logger.getLogger("io.fabric8.mockwebserver").setLevel(java.util.logging.Level.WARNING);
        try (MockApi api = MockApi.start()) {
            KubernetesClient kube = api.client();
            long t0 = System.nanoTime();
            for (int i = 0; i < services; i++) {
                String namespace = "ns-" + (i % 10);
                kube.services().inNamespace(namespace).resource(Slices.service(namespace, "svc-" + i, "10.96." + (i / 250) + "." + (i % 250 + 1), "http", 80)).create();
                kube.discovery().v1().endpointSlices().inNamespace(namespace).resource(slice(namespace, i, perService, 0)).create();
            }
            kube.services().inNamespace("probe").resource(Slices.service("probe", "probe", "10.97.0.1", "http", 80)).create();
            kube.discovery().v1().endpointSlices().inNamespace("probe").resource(probe(a)).create();
            System.out.printf("API server: %d Services x %d endpoints written in %.1f s%n", services, perService, seconds(t0));

            Sidecar off = Sidecar.start(flags, "sidecar-off", api, false, b);
            Sidecar on = Sidecar.start(flags, "sidecar-on", api, true, b);
            on.awaitSync(services + 1, services * perService + 1);
            System.out.printf("first full sync: ready in %.1f s (discovery off: %.1f s), %d Services and %d endpoints known %.1f s after start%n",
                    on.readySeconds, off.readySeconds, services + 1, services * perService + 1, on.syncSeconds);
            Thread.sleep(5_000);
            double rssOff = off.settledRssMiB();
            double rssOn = on.settledRssMiB();
            System.out.printf("RSS after a full GC: discovery off %.1f MiB, on %.1f MiB: discovery adds %.1f MiB%n", rssOff, rssOn, rssOn - rssOff);
            if (System.getenv("DISCOVERY_HISTOGRAM") != null) {
                for (Sidecar sidecar : List.of(off, on)) {
                    System.out.println(run("jcmd", Long.toString(sidecar.process.pid()), "GC.heap_info"));
                    System.out.println(run("jcmd", Long.toString(sidecar.process.pid()), "VM.native_memory", "summary"));
                    System.out.println(run("jcmd", Long.toString(sidecar.process.pid()), "GC.class_histogram").lines().limit(30)
                            .reduce("", (x, y) -> x + y + "\n"));
                }
                System.exit(0);
            }

            List<Double> delays = new ArrayList<>();
            HttpServer[] upstreams = {a, b};
            for (int i = 1; i <= 100; i++) {
                HttpServer next = upstreams[i % 2];
                long changed = System.nanoTime();
                kube.discovery().v1().endpointSlices().inNamespace("probe").resource(probe(next)).update();
                String expected = next == a ? "a" : "b";
                while (!on.get("probe.probe", "/").equals(expected)) {
                    Thread.onSpinWait();
                }
                delays.add((System.nanoTime() - changed) / 1e6);
            }
            delays.sort(null);
            System.out.printf("EndpointSlice change to the first request that follows it: p50 %.0f ms, p99 %.0f ms, max %.0f ms (100 changes)%n",
                    delays.get(49), delays.get(98), delays.get(99));

            double idle = on.cpuPercent(() -> sleep(20_000));
            AtomicLong updates = new AtomicLong();
            double churn = on.cpuPercent(() -> {
                long end = System.nanoTime() + 20_000_000_000L;
                int round = 0;
                while (System.nanoTime() < end) {
                    long tick = System.nanoTime();
                    for (int j = 0; j < 20; j++) {
                        int service = ThreadLocalRandom.current().nextInt(services);
                        kube.discovery().v1().endpointSlices().inNamespace("ns-" + (service % 10))
                                .resource(slice("ns-" + (service % 10), service, perService, ++round)).update();
                        updates.incrementAndGet();
                    }
                    sleep(Math.max(0, 1000 - (System.nanoTime() - tick) / 1_000_000));
                }
            });
            System.out.printf("CPU of the sidecar with discovery on: idle %.2f%%, under %d endpoint updates in 20 s: %.2f%% of one core%n",
                    idle, updates.get(), churn);

            double[] perRequest = new double[2];
            String[] hosts = {"probe.probe", "static"};
            kube.discovery().v1().endpointSlices().inNamespace("probe").resource(probe(b)).update();
            while (!on.get("probe.probe", "/").equals("b")) {
                Thread.onSpinWait();
            }
            for (String host : hosts) {
                on.cpuMicrosPerRequest(host, 8, 5_000);   // warm-up: the JIT compiles both paths first
            }
            for (int round = 0; round < 6; round++) {
                int which = round % 2;
                perRequest[which] += on.cpuMicrosPerRequest(hosts[which], 8, 10_000) / 3;
            }
            System.out.printf("sidecar CPU per request (3 rounds each, alternated): discovered Service %.1f us, static cluster %.1f us, ratio %.2f%n",
                    perRequest[0], perRequest[1], perRequest[0] / perRequest[1]);
            off.close();
            on.close();
        } finally {
            a.stop(0);
            b.stop(0);
        }
        System.exit(0);
    }

    /** Service i's slice: {@code count} endpoints in 10.x, not one ready on its {@code round % count}-th when round > 0. */
    static EndpointSlice slice(String namespace, int service, int count, int round) {
        Endpoint[] endpoints = new Endpoint[count];
        for (int e = 0; e < count; e++) {
            boolean ready = round == 0 || e != round % count;
            endpoints[e] = Slices.endpoint("10." + (100 + service / 250) + "." + (service % 250) + "." + (e + 1), "svc-" + service + "-" + e,
                    ready, ready, false);
        }
        return Slices.slice(namespace, "svc-" + service + "-abc", "svc-" + service, "http", 8080, endpoints);
    }

    static EndpointSlice probe(HttpServer upstream) {
        return Slices.slice("probe", "probe-abc", "probe", "http", upstream.getAddress().getPort(),
                Slices.endpoint("127.0.0.1", "probe-0", true, true, false));
    }

    static HttpServer upstream(String name) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
        byte[] body = name.getBytes(StandardCharsets.UTF_8);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
        server.start();
        return server;
    }

    /** One sidecar process: its ports, its /proc, and requests through its outbound listener. */
    static final class Sidecar implements AutoCloseable {
        final Process process;
        final int outbound;
        final int admin;
        final HttpClient http = HttpClient.newHttpClient();
        double readySeconds;
        double syncSeconds;
        private final long started = System.nanoTime();

        private Sidecar(Process process, int outbound, int admin) {
            this.process = process;
            this.outbound = outbound;
            this.admin = admin;
        }

        static Sidecar start(List<String> flags, String name, MockApi api, boolean discovery, HttpServer staticUpstream) throws Exception {
            int outbound = freePort();
            int inbound = freePort();
            int admin = freePort();
            Path config = Files.createTempFile(name, ".yaml");
            Files.writeString(config, """
                    outrigger:
                      access-log: { enabled: false }
                      routes:
                        - { name: static, hosts: [ "static" ], route: [ { cluster: static } ] }
                      clusters:
                        static: { endpoints: [ "127.0.0.1:%d" ] }
                    """.formatted(staticUpstream.getAddress().getPort()));
            List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow()));
            command.addAll(flags);
            command.addAll(List.of("-Dkubernetes.auth.tryKubeConfig=false", "-Dkubernetes.auth.tryServiceAccount=false",
                    "-jar", JAR.toString(), "--spring.config.location=classpath:/application.yaml,file:" + config,
                    "--outrigger.outbound.port=" + outbound, "--outrigger.inbound.port=" + inbound,
                    "--server.port=" + admin));
            // As deployed: both watch their routes ConfigMap through the API; only discovery differs.
            for (String argument : api.discovery("default")) {
                command.add(switch (argument) {
                    case "--outrigger.discovery.enabled=true" -> "--outrigger.discovery.enabled=" + discovery;
                    case "--spring.cloud.kubernetes.config.enabled=false" -> "--spring.cloud.kubernetes.config.enabled=true";
                    default -> argument;
                });
            }
            if (System.getenv("DISCOVERY_HISTOGRAM") != null) {
                command.add(1, "-XX:NativeMemoryTracking=summary");
            }
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(Files.createTempFile(name, ".log").toFile()).start();
            Sidecar sidecar = new Sidecar(process, outbound, admin);
            while (sidecar.status("/actuator/health/readiness") != 200) {
                if (!process.isAlive()) {
                    throw new IllegalStateException(name + " exited");
                }
                Thread.sleep(20);
            }
            sidecar.readySeconds = seconds(sidecar.started);
            return sidecar;
        }

        void awaitSync(int services, int endpoints) throws Exception {
            String want = "\"services\":" + services + ",\"endpoints\":" + endpoints;
            while (!body("/actuator/health").contains(want)) {
                Thread.sleep(20);
            }
            syncSeconds = seconds(started);
        }

        int status(String path) {
            try {
                return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + path)).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode();
            } catch (IOException | InterruptedException e) {
                return -1;
            }
        }

        String body(String path) throws Exception {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + path)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        }

        /** One request through the outbound listener on a new connection; the body, or the status for anything else. */
        String get(String host, String path) throws IOException {
            try (Socket socket = new Socket("127.0.0.1", outbound)) {
                socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                return response.startsWith("HTTP/1.1 200") ? response.substring(response.indexOf("\r\n\r\n") + 4) : response.substring(9, 12);
            }
        }

        /** RSS after a full GC and a native heap trim, with the process otherwise idle. */
        double settledRssMiB() throws Exception {
            long pid = process.pid();
            run("jcmd", Long.toString(pid), "GC.run");
            run("jcmd", Long.toString(pid), "System.trim_native_heap");
            Thread.sleep(2_000);
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
                }
            }
            throw new IllegalStateException("no VmRSS");
        }

        long cpuTicks() throws IOException {
            String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);   // utime + stime
        }

        double cpuPercent(Runnable during) throws IOException {
            long ticks = cpuTicks();
            long start = System.nanoTime();
            during.run();
            return 100.0 * (cpuTicks() - ticks) / CLOCK_TICKS / seconds(start);
        }

        /** CPU microseconds of the sidecar per request: {@code connections} keep-alive clients, {@code requests} each. */
        double cpuMicrosPerRequest(String host, int connections, int requests) throws Exception {
            byte[] request = ("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            AtomicBoolean failed = new AtomicBoolean();
            long ticks = cpuTicks();
            List<Thread> clients = new ArrayList<>();
            for (int c = 0; c < connections; c++) {
                clients.add(Thread.ofPlatform().start(() -> {
                    try (Socket socket = new Socket("127.0.0.1", outbound)) {
                        socket.setTcpNoDelay(true);
                        OutputStream out = socket.getOutputStream();
                        InputStream in = socket.getInputStream();
                        for (int r = 0; r < requests; r++) {
                            out.write(request);
                            readResponse(in);
                        }
                    } catch (IOException e) {
                        failed.set(true);
                    }
                }));
            }
            for (Thread client : clients) {
                client.join();
            }
            if (failed.get()) {
                throw new IllegalStateException("a request to " + host + " failed");
            }
            return (cpuTicks() - ticks) * 1e6 / CLOCK_TICKS / ((double) connections * requests);
        }

        /** Reads one response with a Content-Length body. */
        static void readResponse(InputStream in) throws IOException {
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int c = in.read();
                if (c < 0) {
                    throw new IOException("closed");
                }
                head.append((char) c);
            }
            if (!head.toString().startsWith("HTTP/1.1 200")) {
                throw new IOException(head.toString());
            }
            String lower = head.toString().toLowerCase();
            int at = lower.indexOf("content-length:");
            int length = Integer.parseInt(lower.substring(at + 15, lower.indexOf("\r\n", at)).trim());
            in.readNBytes(length);
        }

        @Override
        public void close() {
            process.destroy();
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static String run(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes());
            process.waitFor();
            return output;
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
