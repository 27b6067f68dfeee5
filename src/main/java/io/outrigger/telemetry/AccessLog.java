package io.outrigger.telemetry;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.outrigger.config.OutriggerProperties;
import io.outrigger.pipeline.ProxyExchange;
import io.outrigger.tcp.TcpSession;

/**
 * One line per request or TCP connection on stdout, Envoy-like, in text or JSON. Lines are formatted on the event
 * loop but written by a background thread from a bounded queue, so a slow stdout never stalls
 * traffic; when the queue is full, lines are dropped and counted rather than waited for.
 */
public final class AccessLog implements AutoCloseable {

    private static final int QUEUE_LINES = 16_384;

    private final BlockingQueue<String> queue = new ArrayBlockingQueue<>(QUEUE_LINES);
    private final AtomicLong dropped = new AtomicLong();
    private final BufferedWriter out;
    private final Thread writer;
    private volatile boolean open = true;

    public AccessLog(OutputStream stream) {
        this.out = new BufferedWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8), 64 * 1024);
        this.writer = Thread.ofPlatform().daemon().name("outrigger-access-log").start(this::drain);
    }

    /** Formats and queues the exchange's line, if the live config wants access logs. */
    public void record(ProxyExchange exchange) {
        // With no valid config loaded yet, log as the defaults say (text, on).
        OutriggerProperties.AccessLog config = exchange.snapshot() == null ? null : exchange.snapshot().config().accessLog();
        if (config != null && !config.enabled()) {
            return;
        }
        offer(config != null && "json".equals(config.format()) ? AccessLogFormat.json(exchange) : AccessLogFormat.text(exchange));
    }

    /** Formats and queues the line of a relayed TCP connection, once it has closed. */
    public void record(TcpSession session) {
        OutriggerProperties.AccessLog config = session.snapshot() == null ? null : session.snapshot().config().accessLog();
        if (config != null && !config.enabled()) {
            return;
        }
        offer(config != null && "json".equals(config.format()) ? AccessLogFormat.json(session) : AccessLogFormat.text(session));
    }

    private void offer(String line) {
        if (!queue.offer(line)) {
            dropped.incrementAndGet();
        }
    }

    /** Lines lost because stdout could not keep up. */
    public long dropped() {
        return dropped.get();
    }

    private void drain() {
        List<String> batch = new ArrayList<>(256);
        while (open || !queue.isEmpty()) {
            try {
                String first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, 255);
                for (String line : batch) {
                    out.write(line);
                    out.write('\n');
                }
                out.flush();
                batch.clear();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (IOException e) {
                dropped.addAndGet(batch.size());
                batch.clear();
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        open = false;
        writer.join(2000);
    }

    static String startTime(long millis) {
        return Instant.ofEpochMilli(millis).toString();
    }
}
