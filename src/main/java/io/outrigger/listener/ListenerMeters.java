package io.outrigger.listener;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.outrigger.common.MeterCatalog;

/** Open downstream connections per listener. */
public final class ListenerMeters implements MeterBinder {

    private final ListenerManager listeners;

    public ListenerMeters(ListenerManager listeners) {
        this.listeners = listeners;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (ListenerManager.Listener listener : new ListenerManager.Listener[] {listeners.outbound(), listeners.inbound()}) {
            MeterCatalog.ACTIVE_CONNECTIONS.gauge(listener, ListenerManager.Listener::activeConnections)
                    .tag(MeterCatalog.LISTENER, listener.name())
                    .register(registry);
        }
    }
}
