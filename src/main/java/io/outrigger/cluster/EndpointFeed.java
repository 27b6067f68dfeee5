package io.outrigger.cluster;

import java.util.List;
import java.util.function.Consumer;

/**
 * Where a discovered cluster's endpoints come from: service discovery pushes them as they change,
 * so a cluster follows its Service without a snapshot being rebuilt.
 */
public interface EndpointFeed {

    /** No discovery: nothing is ever pushed. */
    EndpointFeed NONE = (source, endpoints) -> () -> {
    };

    /**
     * Pushes the endpoints that take traffic for {@code source} to {@code endpoints}: the current
     * ones before this returns, then each change. Closing the subscription stops the pushes.
     */
    Subscription subscribe(String source, Consumer<List<EndpointInfo>> endpoints);

    /** Stops the pushes of one subscription. */
    @FunctionalInterface
    interface Subscription extends AutoCloseable {
        @Override
        void close();
    }
}
