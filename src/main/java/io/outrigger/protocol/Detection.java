package io.outrigger.protocol;

/**
 * What the first bytes of a connection turned out to be.
 *
 * @param kind       the protocol seen
 * @param serverName the SNI of a TLS ClientHello, or null
 * @param alpn       the application protocols a TLS ClientHello offers (empty if none)
 */
public record Detection(Kind kind, String serverName, java.util.List<String> alpn) {

    public enum Kind {
        /** An HTTP/1.x request line. */
        HTTP1,
        /** The HTTP/2 connection preface. */
        HTTP2,
        /** A TLS ClientHello: the application's own TLS, relayed untouched. */
        TLS,
        /** Anything else, or nothing at all before the detection timeout. */
        TCP;

        /** How access logs name it. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public static final Detection HTTP1 = new Detection(Kind.HTTP1, null, java.util.List.of());
    public static final Detection HTTP2 = new Detection(Kind.HTTP2, null, java.util.List.of());
    public static final Detection TCP = new Detection(Kind.TCP, null, java.util.List.of());

    public static Detection tls(String serverName) {
        return new Detection(Kind.TLS, serverName, java.util.List.of());
    }

    public static Detection tls(String serverName, java.util.List<String> alpn) {
        return new Detection(Kind.TLS, serverName, java.util.List.copyOf(alpn));
    }
}
