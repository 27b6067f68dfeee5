package io.outrigger.pipeline.upstream;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicLong;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.outrigger.testing.SidecarProcess;
import io.outrigger.testing.TestUpstream;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A 1 GiB upload and a 1 GiB download through a sidecar whose heap is capped at 64 MiB (and its
 * direct memory too): bodies stream with backpressure, nothing is gathered whole, so both arrive
 * complete and the sidecar neither fails nor runs out of memory, even when the reader of the
 * download stops for a while.
 */
class LargeBodiesIT {

    static final long GIB = 1L << 30;
    static final int CHUNK = 64 * 1024;

    @Test
    void aGibibyteEachWayThroughA64MibHeap() throws Exception {
        ByteBuf chunk = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(new byte[CHUNK]));
        AtomicLong uploaded = new AtomicLong();
        try (TestUpstream upstream = TestUpstream.start("big").handler((request, response) -> {
                    if (request.method().name().equals("POST")) {
                        return request.receive().doOnNext(b -> uploaded.addAndGet(b.readableBytes())).then()
                                .then(response.sendString(Mono.fromSupplier(() -> Long.toString(uploaded.get()))).then());
                    }
                    return response.header("content-length", Long.toString(GIB))
                            .send(Flux.range(0, (int) (GIB / CHUNK)).map(i -> chunk.duplicate())).then();
                });
                SidecarProcess sidecar = SidecarProcess.start("""
                        outrigger:
                          access-log: { enabled: false }
                          routes: [ { name: big, hosts: [ big ], route: [ { cluster: big } ] } ]
                          clusters: { big: { endpoints: [ "%s" ] } }
                        """.formatted(upstream.endpoint()), "-Xmx64m", "-XX:MaxDirectMemorySize=64m")) {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .proxy(java.net.ProxySelector.of(new java.net.InetSocketAddress("127.0.0.1", sidecar.outboundPort)))
                    .build();

            HttpResponse<String> upload = client.send(HttpRequest.newBuilder(URI.create("http://big/upload"))
                    .timeout(Duration.ofMinutes(3))
                    .POST(HttpRequest.BodyPublishers.fromPublisher(zeros(GIB), GIB)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(upload.statusCode()).isEqualTo(200);
            assertThat(upload.body()).isEqualTo(Long.toString(GIB));

            HttpResponse<InputStream> download = client.send(HttpRequest.newBuilder(URI.create("http://big/download"))
                    .timeout(Duration.ofMinutes(3)).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
            assertThat(download.statusCode()).isEqualTo(200);
            long received = 0;
            boolean paused = false;
            try (InputStream in = download.body()) {
                byte[] buffer = new byte[CHUNK];
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    received += n;
                    if (!paused && received >= (1 << 20)) {
                        // A reader that stops: the proxy must stop reading from the upstream too. Had it
                        // kept reading, 5 s of loopback speed would be far more than its 64 MiB.
                        paused = true;
                        Thread.sleep(5000);
                        assertThat(sidecar.process().isAlive()).isTrue();
                    }
                }
            }
            assertThat(received).isEqualTo(GIB);
            assertThat(sidecar.process().isAlive()).isTrue();
            assertThat(sidecar.log()).doesNotContain("OutOfMemoryError");
        }
    }

    /** {@code total} zero bytes, produced as the client asks for them. */
    static Flow.Publisher<ByteBuffer> zeros(long total) {
        return subscriber -> subscriber.onSubscribe(new Flow.Subscription() {
            private long sent;
            private boolean done;

            @Override
            public synchronized void request(long n) {
                for (long i = 0; i < n && !done; i++) {
                    if (sent >= total) {
                        done = true;
                        subscriber.onComplete();
                        return;
                    }
                    int size = (int) Math.min(CHUNK, total - sent);
                    sent += size;
                    subscriber.onNext(ByteBuffer.allocate(size));
                }
            }

            @Override
            public void cancel() {
                done = true;
            }
        });
    }
}
