package io.outrigger.netty;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.flush.FlushConsolidationHandler;

/**
 * Joins the flushes a proxy makes in one pass of the event loop into one write. Relaying a
 * response, Reactor Netty flushes its head and then its body separately, which would cost two
 * write system calls (and two TCP segments) where one does; this is the largest avoidable cost
 * per request on a keep-alive connection. The flush is delayed only until the loop finishes the
 * work at hand, never by a timer.
 */
public final class Flushes {

    public static final String HANDLER = "outrigger.flushes";

    private Flushes() {
    }

    /** Puts the consolidating handler at the head of {@code pipeline}, below every codec. */
    public static void consolidate(ChannelPipeline pipeline) {
        pipeline.addFirst(HANDLER, new FlushConsolidationHandler(
                FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
    }
}
