package io.outrigger.protocol;

import java.util.HashMap;
import java.util.Map;

/** One listener's per-port protocols, compiled; ports not listed are {@link Protocol#AUTO}. */
public final class PortProtocols {

    private final Map<Integer, Protocol> byPort;

    private PortProtocols(Map<Integer, Protocol> byPort) {
        this.byPort = byPort;
    }

    /** Compiles {@code ports} entries the validator has accepted ({@code "8080": {protocol: http}}). */
    public static PortProtocols compile(Map<String, String> protocolByPort) {
        Map<Integer, Protocol> compiled = new HashMap<>();
        protocolByPort.forEach((port, protocol) -> compiled.put(Integer.parseInt(port), Protocol.fromName(protocol)));
        return new PortProtocols(Map.copyOf(compiled));
    }

    /** The protocol of {@code port}; a connection with no known port (-1) is {@link Protocol#AUTO}. */
    public Protocol of(int port) {
        return byPort.getOrDefault(port, Protocol.AUTO);
    }
}
