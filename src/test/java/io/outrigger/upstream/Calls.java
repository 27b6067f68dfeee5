package io.outrigger.upstream;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;

/** Drives one request through a pool as the pipeline does, collecting its outcome for a test. */
final class Calls {

    /** What a call came to: a status and body, or a failure; and whether its connection was reused. */
    record Outcome(int status, String body, Throwable failure, boolean reused) {
    }

    private Calls() {
    }

    static CompletableFuture<Outcome> get(ConnectionPool pool) {
        return send(pool, HttpMethod.GET, null, null, null);
    }

    static CompletableFuture<Outcome> post(ConnectionPool pool, String body) {
        HttpHeaders headers = new DefaultHttpHeaders().set("content-length", body.length());
        return send(pool, HttpMethod.POST, headers, Unpooled.copiedBuffer(body, StandardCharsets.UTF_8), null);
    }

    static CompletableFuture<Outcome> postChunked(ConnectionPool pool, String... chunks) {
        HttpHeaders headers = new DefaultHttpHeaders().set("transfer-encoding", "chunked");
        Flux<ByteBuf> body = Flux.fromArray(chunks).map(chunk -> Unpooled.copiedBuffer(chunk, StandardCharsets.UTF_8));
        return send(pool, HttpMethod.POST, headers, null, body);
    }

    static CompletableFuture<Outcome> send(ConnectionPool pool, HttpMethod method, HttpHeaders given, ByteBuf whole,
            Publisher<ByteBuf> streamed) {
        HttpHeaders headers = (given != null ? given : new DefaultHttpHeaders()).set("host", "upstream");
        CompletableFuture<Outcome> outcome = new CompletableFuture<>();
        pool.acquire(new ConnectionPool.Waiter() {
            @Override
            public void acquired(UpstreamConnection connection) {
                boolean reused = connection.reused();
                UpstreamExchange[] exchange = new UpstreamExchange[1];
                exchange[0] = connection.send(method, "/", headers, whole, streamed, new ResponseHandler() {
                    @Override
                    public void onResponse(HttpResponse head) {
                        exchange[0].aggregate().subscribe(
                                body -> {
                                    outcome.complete(new Outcome(head.status().code(), body.toString(StandardCharsets.UTF_8),
                                            null, reused));
                                    body.release();
                                },
                                error -> outcome.complete(new Outcome(head.status().code(), null, error, reused)));
                    }

                    @Override
                    public void onError(Throwable error) {
                        outcome.complete(new Outcome(0, null, error, reused));
                    }
                });
            }

            @Override
            public void failed(UpstreamException reason) {
                if (whole != null) {
                    whole.release();
                }
                outcome.complete(new Outcome(0, null, reason, false));
            }
        });
        return outcome;
    }
}
