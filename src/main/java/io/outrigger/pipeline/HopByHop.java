package io.outrigger.pipeline;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

/**
 * Hop-by-hop header handling per RFC 9110 section 7.6.1: Connection, the headers it names, and the
 * well-known hop-by-hop fields apply to one connection only and are not forwarded. Message
 * framing (Transfer-Encoding, Content-Length) is re-established by Outrigger on each hop.
 */
public final class HopByHop {

    private static final DefaultHttpHeadersFactory UNVALIDATED =
            DefaultHttpHeadersFactory.headersFactory().withValidation(false);

    /**
     * Set by a sidecar that carries a request as HTTP/2 to another sidecar where the hop would
     * have been HTTP/1.1 ({@code h2-upgrade}, {@code protocol: http2}): the receiving sidecar goes
     * on to the application in HTTP/1.1. Hop-by-hop: never forwarded.
     */
    public static final AsciiString CARRIED_HTTP1 = AsciiString.cached("x-outrigger-http1");

    private static final AsciiString[] ALWAYS = {
        HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE, AsciiString.cached("proxy-connection"),
        HttpHeaderNames.TE, HttpHeaderNames.TRAILER, HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.UPGRADE,
        HttpHeaderNames.PROXY_AUTHENTICATE, HttpHeaderNames.PROXY_AUTHORIZATION, CARRIED_HTTP1,
    };

    private HopByHop() {
    }

    /** A copy of request headers without hop-by-hop fields (already validated when decoded). */
    public static HttpHeaders copyForUpstream(HttpHeaders headers) {
        HttpHeaders copy = addEndToEnd(headers, UNVALIDATED.newHeaders());
        // Outrigger answers "100-continue" itself when it starts reading the body; the upstream
        // then receives the body without having to be asked.
        copy.remove(HttpHeaderNames.EXPECT);
        return copy;
    }

    /**
     * Adds {@code from}'s fields to {@code to}, leaving out the hop-by-hop ones, and returns
     * {@code to}. In one pass, with no intermediate copy: a relayed response's fields go straight
     * into the response being sent.
     */
    public static HttpHeaders addEndToEnd(HttpHeaders from, HttpHeaders to) {
        List<String> named = namedByConnection(from);
        Iterator<Map.Entry<CharSequence, CharSequence>> entries = from.iteratorCharSequence();
        while (entries.hasNext()) {
            Map.Entry<CharSequence, CharSequence> entry = entries.next();
            CharSequence name = entry.getKey();
            if (!isHopByHop(name, named)) {
                to.add(name, entry.getValue());
            }
        }
        return to;
    }

    /** The field names every Connection header lists (not only the first's), usually none. */
    private static List<String> namedByConnection(HttpHeaders headers) {
        if (!headers.contains(HttpHeaderNames.CONNECTION)) {
            return List.of();
        }
        List<String> named = new ArrayList<>();
        for (String connection : headers.getAll(HttpHeaderNames.CONNECTION)) {
            for (String token : connection.split(",")) {
                String name = token.trim();
                if (!name.isEmpty()) {
                    named.add(name);
                }
            }
        }
        return named;
    }

    private static boolean isHopByHop(CharSequence name, List<String> named) {
        for (AsciiString hopByHop : ALWAYS) {
            if (hopByHop.contentEqualsIgnoreCase(name)) {
                return true;
            }
        }
        for (int i = 0; i < named.size(); i++) {
            if (AsciiString.contentEqualsIgnoreCase(named.get(i), name)) {
                return true;
            }
        }
        return false;
    }
}
