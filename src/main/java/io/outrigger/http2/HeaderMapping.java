package io.outrigger.http2;

import java.util.Map;

import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.HttpConversionUtil;

/**
 * HTTP/2 header blocks to the HTTP/1.1-shaped headers the filters read, and back. The codec has
 * validated names and values already (lowercase, no connection-specific fields).
 */
final class HeaderMapping {

    private static final DefaultHttpHeadersFactory UNVALIDATED =
            DefaultHttpHeadersFactory.headersFactory().withValidation(false);

    private HeaderMapping() {
    }

    /**
     * A request's regular fields; {@code :authority} becomes {@code Host} (RFC 9113 section 8.3.1:
     * it takes the place of Host), and split {@code cookie} fields are joined again (section 8.2.3).
     */
    static HttpHeaders request(Http2Headers in) {
        HttpHeaders out = UNVALIDATED.newHeaders();
        StringBuilder cookie = null;
        for (Map.Entry<CharSequence, CharSequence> field : in) {
            CharSequence name = field.getKey();
            if (Http2Headers.PseudoHeaderName.hasPseudoHeaderFormat(name)) {
                continue;
            }
            if (HttpHeaderNames.COOKIE.contentEquals(name)) {
                cookie = cookie == null ? new StringBuilder() : cookie.append("; ");
                cookie.append(field.getValue());
            } else {
                out.add(name, field.getValue());
            }
        }
        if (cookie != null) {
            out.set(HttpHeaderNames.COOKIE, cookie.toString());
        }
        CharSequence authority = in.authority();
        if (authority != null) {
            out.set(HttpHeaderNames.HOST, authority);
        }
        return out;
    }

    /** A response head: {@code :status} and the fields, names lowercased, connection-specific ones left out. */
    static Http2Headers response(int status, HttpHeaders headers) {
        // A new block each time: the utility's own answer for no headers is a read-only constant.
        Http2Headers out = new DefaultHttp2Headers(false, headers.size() + 1);
        out.status(Integer.toString(status));
        HttpConversionUtil.toHttp2Headers(headers, out);
        return out;
    }

    /** Trailers, as the last header block of a stream. */
    static Http2Headers trailers(HttpHeaders trailers) {
        Http2Headers out = new DefaultHttp2Headers(false, trailers.size());
        HttpConversionUtil.toHttp2Headers(trailers, out);
        return out;
    }
}
