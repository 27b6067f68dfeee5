package io.outrigger.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Calls a sidecar's management port from loopback. */
public final class Admin {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private Admin() {
    }

    public static HttpResponse<String> get(int port, String path) {
        return send(port, HttpRequest.newBuilder(uri(port, path)).GET());
    }

    /** A GET to another local address (a test host's). */
    public static HttpResponse<String> get(int port, String host, String path) {
        return send(port, HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + path)).GET());
    }

    public static HttpResponse<String> post(int port, String path, String json) {
        return send(port, HttpRequest.newBuilder(uri(port, path))
                .header("content-type", "application/json")
                .POST(json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json)));
    }

    private static URI uri(int port, String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private static HttpResponse<String> send(int port, HttpRequest.Builder request) {
        try {
            return HTTP.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
