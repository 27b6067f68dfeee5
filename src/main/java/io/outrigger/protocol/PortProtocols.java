package io.outrigger.protocol;

import java.util.Map;

/** One listener's per-port protocols, compiled; ports not listed are {@link Protocol#AUTO}. */
public final class PortProtocols {

    private final Map<Integer, Protocol> byPort;

    private PortProtocols(Map<Integer, Protocol> byPort) {
        this.byPort = byPort;
    }

    /** The protocols of a listener's listed ports, parsed by whoever read them. */
    public static PortProtocols of(Map<Integer, Protocol> byPort) {
        return new PortProtocols(Map.copyOf(byPort));
    }

    /** The protocol of {@code port}; a connection with no known port (-1) is {@link Protocol#AUTO}. */
    public Protocol of(int port) {
        return byPort.getOrDefault(port, Protocol.AUTO);
    }
}
