package io.outrigger.protocol;

/**
 * What the first bytes of a connection turned out to be.
 *
 * @param kind       the protocol seen
 * @param serverName the SNI of a TLS ClientHello, or null
 */
public record Detection(Kind kind, String serverName) {

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

    public static final Detection HTTP1 = new Detection(Kind.HTTP1, null);
    public static final Detection HTTP2 = new Detection(Kind.HTTP2, null);
    public static final Detection TCP = new Detection(Kind.TCP, null);

    public static Detection tls(String serverName) {
        return new Detection(Kind.TLS, serverName);
    }
}
