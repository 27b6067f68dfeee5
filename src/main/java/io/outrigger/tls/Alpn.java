package io.outrigger.tls;

import java.util.List;

/**
 * The ALPN names Outrigger's sidecars offer each other. They tell sidecar mTLS apart from an
 * application's own TLS (which offers h2, http/1.1 or nothing, and is relayed untouched), and
 * say what the tunnel carries.
 */
public final class Alpn {

    /** HTTP/1.1 requests inside: the inbound side serves them through its HTTP filter stack. */
    public static final String HTTP = "outrigger-http/1.1";
    /** Opaque TCP inside: relayed to the application port. */
    public static final String TCP = "outrigger-tcp";
    /**
     * HTTP/2 inside. A sidecar offers it before {@link #HTTP}, so the offer is still a sidecar's
     * and a callee that does not pick it serves what comes as before (finding the preface).
     */
    public static final String H2 = "h2";

    /** What a sidecar offers for a connection that will carry HTTP/2. */
    public static final List<String> HTTP2_OFFER = List.of(H2, HTTP);

    private Alpn() {
    }

    /** Whether a ClientHello offering {@code offered} comes from an Outrigger sidecar. */
    public static boolean isSidecar(List<String> offered) {
        return offered.contains(HTTP) || offered.contains(TCP);
    }
}
