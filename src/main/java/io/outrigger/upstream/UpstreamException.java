package io.outrigger.upstream;

/**
 * Why an upstream exchange produced no response, in terms the retry rules and the response flags
 * can use: whether a connection was had, and whether any of the request went out on it.
 */
public final class UpstreamException extends RuntimeException {

    /** What went wrong. */
    public enum Kind {
        /** No connection could be made (refused, timed out, TLS handshake failed). */
        CONNECT_FAILED,
        /** The pool had no connection free and its waiting line was full. */
        POOL_OVERFLOW,
        /** The pool was closed: its endpoint or cluster is gone. */
        POOL_CLOSED,
        /** The connection closed before any of the request was written. */
        CLOSED_BEFORE_SENT,
        /** The connection closed, or failed, after the request was (partly) written and before the response ended. */
        RESET,
        /** The upstream answered with something that is not HTTP/1.1 (or headers over the limit). */
        PROTOCOL
    }

    private final Kind kind;

    UpstreamException(Kind kind, String message, Throwable cause) {
        super(message, cause, false, false);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
