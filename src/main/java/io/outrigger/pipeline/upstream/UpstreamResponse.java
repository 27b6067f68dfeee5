package io.outrigger.pipeline.upstream;

import io.outrigger.cluster.Endpoint;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClientResponse;

/**
 * Response headers from one upstream try, with the connection whose body has not been read yet.
 * Either relayed downstream or discarded (which closes the connection), exactly once.
 */
public final class UpstreamResponse {

    private final HttpClientResponse response;
    private final Connection connection;
    private final Endpoint endpoint;
    private boolean finished;

    UpstreamResponse(HttpClientResponse response, Connection connection, Endpoint endpoint) {
        this.response = response;
        this.connection = connection;
        this.endpoint = endpoint;
    }

    public HttpClientResponse response() {
        return response;
    }

    public Connection connection() {
        return connection;
    }

    public int status() {
        return response.status().code();
    }

    /** The response will not be relayed (it is being retried): close its connection. */
    void discard() {
        connection.dispose();
        finish();
    }

    /** The endpoint's request count goes back down, once. */
    void finish() {
        if (!finished) {
            finished = true;
            endpoint.requestFinished();
        }
    }
}
