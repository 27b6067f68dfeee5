package io.outrigger.pipeline.upstream;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.outrigger.cluster.Endpoint;
import io.outrigger.upstream.UpstreamExchange;

/**
 * Response headers from one upstream try, with the exchange whose body has not been read yet.
 * Either relayed downstream or discarded (which closes a connection still carrying it), exactly once.
 */
public final class UpstreamResponse {

    private final HttpResponse head;
    private final UpstreamExchange body;
    private final Endpoint endpoint;
    private boolean finished;

    UpstreamResponse(HttpResponse head, UpstreamExchange body, Endpoint endpoint) {
        this.head = head;
        this.body = body;
        this.endpoint = endpoint;
    }

    public HttpHeaders headers() {
        return head.headers();
    }

    /** The body, published once; also the exchange to give up if it is not read to its end. */
    public UpstreamExchange body() {
        return body;
    }

    public int status() {
        return head.status().code();
    }

    /** The response will not be relayed (it is being retried): its exchange is given up. */
    void discard() {
        body.abort();
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
