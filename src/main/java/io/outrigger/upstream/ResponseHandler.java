package io.outrigger.upstream;

import io.netty.handler.codec.http.HttpResponse;

/**
 * Told, once and on the connection's event loop, how an exchange's request was answered: the
 * response head (the body follows through the {@link UpstreamExchange}), or why there is none.
 */
public interface ResponseHandler {

    void onResponse(HttpResponse head);

    /** An {@link UpstreamException}, or the error of the request body's source. */
    void onError(Throwable error);
}
