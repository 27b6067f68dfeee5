package io.outrigger.telemetry;

import java.util.concurrent.atomic.AtomicLong;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.AsyncAppenderBase;
import ch.qos.logback.core.ConsoleAppender;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.outrigger.common.MeterCatalog;
import org.slf4j.LoggerFactory;

/**
 * One line per request or TCP connection on stdout, Envoy-like, in text or JSON. Lines are
 * formatted on the event loop and handed to Logback: an asynchronous appender with a bounded
 * queue in front of a console appender, so a slow stdout never stalls traffic. When the queue is
 * full a line is dropped and counted ({@code outrigger_access_log_dropped_total}), never waited for.
 * Lines go to this instance's own appenders, not through the logger hierarchy, so logging
 * settings cannot silence or redirect them, and no other output shares their queue.
 */
public final class AccessLog implements AutoCloseable, MeterBinder {

    static final String LOGGER = "outrigger.access";
    private static final String FQCN = AccessLog.class.getName();
    private static final int QUEUE_LINES = 16_384;

    private final AtomicLong dropped = new AtomicLong();
    private final Logger logger;
    private final CountingAsyncAppender async;
    private final ConsoleAppender<ILoggingEvent> console;

    public AccessLog() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%msg%n");
        encoder.start();
        console = new ConsoleAppender<>();
        console.setContext(context);
        console.setName("outrigger-access-stdout");
        console.setEncoder(encoder);
        console.start();
        async = new CountingAsyncAppender(dropped);
        async.setContext(context);
        async.setName("outrigger-access-async");
        async.setQueueSize(QUEUE_LINES);
        async.setDiscardingThreshold(0);   // access lines are INFO: never discarded before the queue is full
        async.setNeverBlock(true);
        async.addAppender(console);
        async.start();
        logger = context.getLogger(LOGGER);
    }

    /** Formats and queues the exchange's line, in the format of the snapshot it ran on. */
    public void record(ExchangeRecord exchange) {
        switch (exchange.logFormat()) {
            case OFF -> {
            }
            case TEXT -> write(AccessLogFormat.text(exchange));
            case JSON -> write(AccessLogFormat.json(exchange));
        }
    }

    /** Formats and queues the line of a relayed TCP connection, once it has closed. */
    public void record(SessionRecord session) {
        switch (session.logFormat()) {
            case OFF -> {
            }
            case TEXT -> write(AccessLogFormat.text(session));
            case JSON -> write(AccessLogFormat.json(session));
        }
    }

    private void write(String line) {
        async.doAppend(new LoggingEvent(FQCN, logger, Level.INFO, line, null, null));
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        MeterCatalog.ACCESS_LOG_DROPPED.functionCounter(this, AccessLog::dropped).register(registry);
    }

    /** Lines lost because stdout could not keep up. */
    public long dropped() {
        return dropped.get();
    }

    @Override
    public void close() {
        async.stop();   // waits a while for the queued lines to be written
        console.stop();
    }

    /**
     * Logback's asynchronous appender, counting what it drops. With {@code neverBlock} it drops a
     * line silently when its queue is full; this looks first, so the count is exact but for a
     * line that races another into the queue's last place.
     */
    private static final class CountingAsyncAppender extends AsyncAppenderBase<ILoggingEvent> {

        private final AtomicLong dropped;

        CountingAsyncAppender(AtomicLong dropped) {
            this.dropped = dropped;
        }

        @Override
        protected void append(ILoggingEvent event) {
            if (getRemainingCapacity() == 0) {
                dropped.incrementAndGet();
                return;
            }
            super.append(event);
        }
    }
}
