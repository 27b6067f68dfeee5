package io.outrigger.admin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.outrigger.listener.ListenerManager;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/** {@code /actuator/listeners}: each listener's address, open connections and state. */
@Endpoint(id = "listeners")
public final class ListenersEndpoint {

    private final ListenerManager listeners;

    public ListenersEndpoint(ListenerManager listeners) {
        this.listeners = listeners;
    }

    @ReadOperation
    public Map<String, Object> listeners() {
        List<Map<String, Object>> all = new ArrayList<>();
        for (ListenerManager.Listener listener : List.of(listeners.outbound(), listeners.inbound())) {
            Map<String, Object> view = new LinkedHashMap<>();
            view.put("name", listener.name());
            view.put("address", listener.address() == null ? null : listener.address().toString());
            view.put("port", listener.port());
            view.put("state", listener.bound() ? "listening" : "closed");
            view.put("activeConnections", listener.activeConnections());
            view.put("protocol", "http");
            all.add(view);
        }
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("draining", listeners.draining());
        view.put("listeners", all);
        return view;
    }
}
