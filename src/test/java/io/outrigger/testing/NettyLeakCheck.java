package io.outrigger.testing;

import java.util.List;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import static org.junit.jupiter.api.Assertions.fail;

/** Fails a test class after which Netty reported a leaked buffer (registered for every class). */
public final class NettyLeakCheck implements AfterAllCallback, org.junit.jupiter.api.extension.AfterEachCallback {

    @Override
    public void afterEach(ExtensionContext context) {
        afterAll(context);
    }


    @Override
    public void afterAll(ExtensionContext context) {
        List<String> leaks = NettyLeaks.collect();
        if (!leaks.isEmpty()) {
            fail(leaks.size() + " Netty buffer leak(s) in or before " + context.getDisplayName() + ":\n"
                    + String.join("\n", leaks));
        }
    }
}
