package io.outrigger.upstream;

/** One event loop's connections to one endpoint, HTTP/1.1 or HTTP/2, as their endpoint sees them. */
interface LoopPool {

    /** The endpoint left its cluster: idle connections close now, busy ones when done. */
    void retire();

    /** The cluster is gone: as {@link #retire()}, and waiting or new requests are refused. */
    void close();

    int active();

    int idle();

    int pending();
}
