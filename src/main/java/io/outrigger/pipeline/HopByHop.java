package io.outrigger.pipeline;

import java.util.Iterator;
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

    private static final AsciiString[] ALWAYS = {
        HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE, AsciiString.cached("proxy-connection"),
        HttpHeaderNames.TE, HttpHeaderNames.TRAILER, HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.UPGRADE,
        HttpHeaderNames.PROXY_AUTHENTICATE, HttpHeaderNames.PROXY_AUTHORIZATION,
    };

    private HopByHop() {
    }

    /** A copy of request headers without hop-by-hop fields (already validated when decoded). */
    public static HttpHeaders copyForUpstream(HttpHeaders headers) {
        HttpHeaders copy = copyForDownstream(headers);
        // Outrigger answers "100-continue" itself when it starts reading the body; the upstream
        // then receives the body without having to be asked.
        copy.remove(HttpHeaderNames.EXPECT);
        return copy;
    }

    /** A copy of {@code headers} without hop-by-hop fields. */
    public static HttpHeaders copyForDownstream(HttpHeaders headers) {
        HttpHeaders copy = UNVALIDATED.newHeaders();
        Iterator<Map.Entry<CharSequence, CharSequence>> entries = headers.iteratorCharSequence();
        while (entries.hasNext()) {
            Map.Entry<CharSequence, CharSequence> entry = entries.next();
            copy.add(entry.getKey(), entry.getValue());
        }
        // Every Connection header counts, not only the first.
        for (String connection : headers.getAll(HttpHeaderNames.CONNECTION)) {
            for (String token : connection.split(",")) {
                String name = token.trim();
                if (!name.isEmpty()) {
                    copy.remove(name);
                }
            }
        }
        for (AsciiString name : ALWAYS) {
            copy.remove(name);
        }
        return copy;
    }
}
