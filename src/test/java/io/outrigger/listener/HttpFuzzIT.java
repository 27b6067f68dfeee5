package io.outrigger.listener;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import io.outrigger.testing.Admin;
import io.outrigger.testing.ProxyClient;
import io.outrigger.testing.Sidecar;
import io.outrigger.testing.TestUpstream;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Thousands of mutated HTTP/1.1 requests (seeded, so a failure can be replayed) against the
 * outbound listener: byte flips, insertions and cuts, duplicated and oversized headers, broken
 * chunking, conflicting framing. Whatever comes in, the proxy answers with a status below 500
 * (400, 413, 414, 431, or the upstream's answer) or "no route" for a host it does not know, or
 * closes; it never answers a malformed request with its own failure, and afterwards it still
 * serves clean requests.
 */
class HttpFuzzIT {

    static final long SEED = Long.getLong("fuzz.seed", 20261123L);
    static final int REQUESTS = Integer.getInteger("fuzz.requests", 4000);

    static final byte[] SPECIAL = "\r\n\0: \t\"%".getBytes(StandardCharsets.ISO_8859_1);

    static final String[] BASE = {
        "GET /shop/items?id=7 HTTP/1.1\r\nHost: shop\r\nUser-Agent: fuzz\r\nAccept: */*\r\n\r\n",
        "POST /shop/orders HTTP/1.1\r\nHost: shop\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{\"id\":\"x-1\"}\n",
        "POST /shop/upload HTTP/1.1\r\nHost: shop\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
        "HEAD /shop HTTP/1.1\r\nHost: shop:80\r\nX-Request-Id: abc\r\n\r\n",
    };

    @Test
    void mutatedRequestsNeverGetTheProxysOwnFailureAndCleanOnesStillWork() throws Exception {
        try (TestUpstream upstream = TestUpstream.start("shop");
                Sidecar sidecar = Sidecar.start("""
                        outrigger:
                          access-log: { enabled: false }
                          routes:
                            - { name: shop, hosts: [ shop ], route: [ { cluster: shop } ] }
                          clusters:
                            shop: { endpoints: [ "%s" ] }
                        """.formatted(upstream.endpoint()))) {
            Random seeds = new Random(SEED);
            Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
            List<String> failures = Collections.synchronizedList(new ArrayList<>());
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<?>> runs = new ArrayList<>();
            for (int i = 0; i < REQUESTS; i++) {
                long seed = seeds.nextLong();
                runs.add(pool.submit(() -> {
                    byte[] request = mutate(new Random(seed));
                    String answer = send(sidecar.outboundPort(), request);
                    int status = status(answer);
                    statuses.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
                    String text = new String(request, StandardCharsets.ISO_8859_1);
                    boolean hostIntact = text.contains("\r\nHost: shop\r\n") || text.contains("\r\nHost: shop:80\r\n");
                    // A host no route names is answered 502 NR (a HEAD's answer has no body to say so).
                    boolean noRoute = status == 502 && (answer.contains("no route") || !hostIntact);
                    if (status >= 500 && !noRoute) {
                        failures.add("seed " + seed + ": " + answer.lines().findFirst().orElse("") + " for "
                                + text.substring(0, Math.min(400, text.length())).replace("\r", "\\r").replace("\n", "\\n"));
                    }
                }));
            }
            for (Future<?> run : runs) {
                run.get();
            }
            pool.shutdown();
            System.out.printf("HTTP fuzz, seed %d: %d requests, statuses %s (-1: closed or no answer)%n", SEED, REQUESTS, statuses);
            assertThat(failures).isEmpty();
            assertThat(statuses.keySet()).contains(400);

            try (ProxyClient client = new ProxyClient(sidecar.outboundPort())) {
                for (int i = 0; i < 20; i++) {
                    assertThat(client.get("shop", "/after-fuzz").body()).isEqualTo("shop");
                }
            }
            assertThat(Admin.get(sidecar.adminPort(), "/actuator/health/readiness").statusCode()).isEqualTo(200);
        }
    }

    /** A base request with one to three mutations. */
    static byte[] mutate(Random random) {
        byte[] request = BASE[random.nextInt(BASE.length)].getBytes(StandardCharsets.ISO_8859_1);
        int count = 1 + random.nextInt(3);
        for (int m = 0; m < count; m++) {
            request = switch (random.nextInt(9)) {
                case 0 -> flip(request, random);
                case 1 -> insert(request, random, new byte[] {SPECIAL[random.nextInt(SPECIAL.length)]});
                case 2 -> cut(request, random);
                case 3 -> insert(request, random, ("X-Dup: " + random.nextInt() + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                case 4 -> header(request, "X-Big: " + "b".repeat(70_000));
                case 5 -> replaceFirst(request, " /", " /" + "u".repeat(20_000));
                case 6 -> header(request, random.nextBoolean() ? "Content-Length: 5" : "Transfer-Encoding: chunked");
                case 7 -> replaceFirst(request, "HTTP/1.1", random.nextBoolean() ? "HTTP/9.9" : "HTTP/1.1 extra");
                default -> header(request, "Content-Length: " + (random.nextBoolean() ? "-1" : "abc"));
            };
        }
        return request;
    }

    static byte[] flip(byte[] in, Random random) {
        byte[] out = in.clone();
        out[random.nextInt(out.length)] = (byte) random.nextInt(256);
        return out;
    }

    static byte[] insert(byte[] in, Random random, byte[] what) {
        int at = random.nextInt(in.length + 1);
        byte[] out = new byte[in.length + what.length];
        System.arraycopy(in, 0, out, 0, at);
        System.arraycopy(what, 0, out, at, what.length);
        System.arraycopy(in, at, out, at + what.length, in.length - at);
        return out;
    }

    static byte[] cut(byte[] in, Random random) {
        int from = random.nextInt(in.length);
        int to = Math.min(in.length, from + 1 + random.nextInt(8));
        byte[] out = new byte[in.length - (to - from)];
        System.arraycopy(in, 0, out, 0, from);
        System.arraycopy(in, to, out, from, in.length - to);
        return out;
    }

    /** Adds a header line right after the request line. */
    static byte[] header(byte[] in, String line) {
        String text = new String(in, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n");
        return (end < 0 ? text : text.substring(0, end + 2) + line + "\r\n" + text.substring(end + 2)).getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] replaceFirst(byte[] in, String from, String to) {
        String text = new String(in, StandardCharsets.ISO_8859_1);
        int at = text.indexOf(from);
        return (at < 0 ? text : text.substring(0, at) + to + text.substring(at + from.length())).getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Writes the bytes and reads the first response's head (up to 300 ms of quiet), or "" if none came. */
    static String send(int port, byte[] request) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            socket.setSoTimeout(300);
            try {
                socket.getOutputStream().write(request);
            } catch (IOException closedEarly) {
                // the proxy refused midway; what it answered (if anything) is still to be read
            }
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            byte[] buffer = new byte[4096];
            try {
                for (int n; (n = in.read(buffer)) >= 0 && head.size() < 16_384; ) {
                    head.write(buffer, 0, n);
                    if (head.toString(StandardCharsets.ISO_8859_1).contains("\r\n\r\n")) {
                        break;
                    }
                }
            } catch (SocketTimeoutException | java.net.SocketException quietOrReset) {
                // no (more) answer
            }
            return head.toString(StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "";
        }
    }

    static int status(String answer) {
        if (!answer.startsWith("HTTP/1.") || answer.length() < 12) {
            return -1;
        }
        try {
            return Integer.parseInt(answer.substring(9, 12));
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
