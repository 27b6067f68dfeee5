package io.outrigger.testing;

import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Makes a Netty buffer leak a test failure. Installed when the test launcher opens, before any
 * buffer class loads, it replaces Netty's leak detector with one that records every report; the
 * {@link NettyLeakCheck} extension then fails the test class in which a leak surfaced.
 */
public final class NettyLeaks implements LauncherSessionListener {

    private static final List<String> LEAKS = new ArrayList<>();

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new RecordingFactory());
    }

    /** Collects the leaks of buffers already unreachable: GC, then allocate to trigger reporting. */
    public static synchronized List<String> collect() {
        for (int round = 0; round < 3; round++) {
            System.gc();
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            for (int i = 0; i < 256; i++) {
                ByteBuf probe = PooledByteBufAllocator.DEFAULT.buffer(8);
                probe.release();
            }
        }
        List<String> found = new ArrayList<>(LEAKS);
        LEAKS.clear();
        return found;
    }

    private static synchronized void record(String report) {
        LEAKS.add(report);
    }

    private static final class RecordingFactory extends ResourceLeakDetectorFactory {
        @Override
        @SuppressWarnings("deprecation")
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval, long maxActive) {
            return new ResourceLeakDetector<>(resource, samplingInterval) {
                @Override
                protected void reportTracedLeak(String type, String records) {
                    super.reportTracedLeak(type, records);
                    record("LEAK of " + type + ":" + records);
                }

                @Override
                protected void reportUntracedLeak(String type) {
                    super.reportUntracedLeak(type);
                    record("LEAK of " + type);
                }
            };
        }
    }
}
