package io.outrigger.testing;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/** A plain HTTP/1.1 client for a listener, with the Host header a test chooses. */
public final class ProxyClient implements AutoCloseable {

    /** A response as the client received it. */
    public record Response(int status, HttpHeaders headers, String body) {
        public String header(String name) {
            return headers.get(name);
        }
    }

    private final ConnectionProvider pool = ConnectionProvider.builder("test-client").maxConnections(64).build();
    private final HttpClient client;

    public ProxyClient(int port) {
        this.client = HttpClient.create(pool).host("127.0.0.1").port(port).responseTimeout(Duration.ofSeconds(20));
    }

    public Response get(String host, String path) {
        return send(HttpMethod.GET, host, path, null, HttpHeaders.EMPTY_HEADERS);
    }

    public Response send(HttpMethod method, String host, String path, String body, HttpHeaders headers) {
        byte[] bytes = body == null ? null : body.getBytes(StandardCharsets.UTF_8);
        return client.headers(h -> {
                    h.set(headers).set("host", host);
                    if (bytes != null) {
                        h.set(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
                    }
                })
                .request(method)
                .uri(path)
                .send(bytes == null ? Mono.empty() : Mono.fromSupplier(() -> Unpooled.wrappedBuffer(bytes)))
                .responseSingle((response, content) -> content.asString().defaultIfEmpty("")
                        .map(text -> new Response(response.status().code(), response.responseHeaders(), text)))
                .block(Duration.ofSeconds(30));
    }

    @Override
    public void close() {
        pool.disposeLater().block(Duration.ofSeconds(5));
    }
}
