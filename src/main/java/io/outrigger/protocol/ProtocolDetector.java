package io.outrigger.protocol;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;

/**
 * Tells what a connection speaks from its first bytes, which may arrive split anywhere: each call
 * looks at everything received so far and answers, or returns null when it cannot tell yet.
 * Reads without consuming, so the bytes can be replayed to whichever protocol takes them.
 *
 * <p>HTTP/1 is recognised by a whole request line ({@code METHOD SP target SP HTTP/1.x}), not by a
 * method name alone: {@code SET key value} (Redis) or {@code EHLO host} (SMTP) are not HTTP. The
 * method must be one of IANA's HTTP Method Registry, so bytes that cannot begin one (a lowercase
 * greeting, say) are TCP at once rather than waited on as a request line that never ends.
 */
public final class ProtocolDetector {

    static final byte[] HTTP2_PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HTTP1_VERSION = "HTTP/1.".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_METHOD = 32;
    /** IANA's HTTP Method Registry (case-sensitive), as of 2026. */
    private static final byte[][] METHODS = java.util.stream.Stream.of("ACL", "BASELINE-CONTROL", "BIND", "CHECKIN",
            "CHECKOUT", "CONNECT", "COPY", "DELETE", "GET", "HEAD", "LABEL", "LINK", "LOCK", "MERGE", "MKACTIVITY",
            "MKCALENDAR", "MKCOL", "MKREDIRECTREF", "MKWORKSPACE", "MOVE", "OPTIONS", "ORDERPATCH", "PATCH", "POST",
            "PRI", "PROPFIND", "PROPPATCH", "PUT", "QUERY", "REBIND", "REPORT", "SEARCH", "TRACE", "UNBIND",
            "UNCHECKOUT", "UNLINK", "UNLOCK", "UPDATE", "UPDATEREDIRECTREF", "VERSION-CONTROL")
            .map(method -> method.getBytes(StandardCharsets.US_ASCII)).toArray(byte[][]::new);
    private static final int TLS_HANDSHAKE = 0x16;
    /** The largest TLS record a ClientHello may come in (2^14 plus room for expansion), waited for whole. */
    static final int MAX_TLS_RECORD = 16_384 + 2_048;

    private ProtocolDetector() {
    }

    /**
     * @param in            the bytes received so far (not consumed)
     * @param maxRequestLine a request line longer than this is still HTTP if it has started like
     *                       one (the HTTP decoder answers it with 414), so detection never waits longer
     */
    public static Detection detect(ByteBuf in, int maxRequestLine) {
        int start = in.readerIndex();
        int length = in.readableBytes();
        if (length == 0) {
            return null;
        }
        if (in.getUnsignedByte(start) == TLS_HANDSHAKE) {
            return tls(in, start, length);
        }
        if (startsLike(in, start, length, HTTP2_PREFACE)) {
            return length < HTTP2_PREFACE.length ? null : Detection.HTTP2;
        }
        return http1(in, start, length, maxRequestLine);
    }

    private static Detection tls(ByteBuf in, int start, int length) {
        if (length < 5) {
            return null;
        }
        int major = in.getUnsignedByte(start + 1);
        int recordLength = in.getUnsignedShort(start + 3);
        if (major != 3 || recordLength == 0) {
            return Detection.TCP;
        }
        if (recordLength > MAX_TLS_RECORD) {
            return Detection.tls(null);
        }
        if (length < 5 + recordLength) {
            return null;
        }
        return ClientHello.read(in.slice(start + 5, recordLength));
    }

    /** Whether {@code in}'s readable bytes, as many as there are, begin the HTTP/2 client preface. */
    static boolean beginsPreface(ByteBuf in) {
        return startsLike(in, in.readerIndex(), in.readableBytes(), HTTP2_PREFACE);
    }

    private static boolean startsLike(ByteBuf in, int start, int length, byte[] prefix) {
        int n = Math.min(length, prefix.length);
        for (int i = 0; i < n; i++) {
            if (in.getByte(start + i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private enum Part { LEADING, METHOD, GAP1, TARGET, GAP2, VERSION, TRAILING }

    /**
     * About as lenient as Netty's HTTP decoder (leading empty lines and blanks skipped, runs of
     * spaces or tabs between the parts, trailing whitespace): anything that decoder, or an
     * application's server behind a TCP relay, would read as a request line must be HTTP here,
     * or it would pass the HTTP filters by as TCP.
     */
    private static Detection http1(ByteBuf in, int start, int length, int maxRequestLine) {
        Part part = Part.LEADING;
        int partStart = 0;
        for (int i = 0; i < length; i++) {
            if (i >= maxRequestLine) {
                return part == Part.LEADING || part == Part.METHOD ? Detection.TCP : Detection.HTTP1;
            }
            byte b = in.getByte(start + i);
            switch (part) {
                case LEADING -> {
                    if (!isBlank(b) && !isLineEnd(b)) {
                        if (!isTokenChar(b) || !beginsMethod(in, start + i, 1, false)) {
                            return Detection.TCP;   // binary, or a word no HTTP method begins with
                        }
                        part = Part.METHOD;
                        partStart = i;
                    } else if (i >= MAX_METHOD) {
                        return Detection.TCP;
                    }
                }
                case METHOD -> {
                    if (isBlank(b)) {
                        if (!beginsMethod(in, start + partStart, i - partStart, true)) {
                            return Detection.TCP;   // a word, but not a method
                        }
                        part = Part.GAP1;
                    } else if (!isTokenChar(b) || i - partStart >= MAX_METHOD
                            || !beginsMethod(in, start + partStart, i - partStart + 1, false)) {
                        return Detection.TCP;
                    }
                }
                case GAP1, GAP2 -> {
                    if (!isBlank(b)) {
                        if (isLineEnd(b) || b >= 0 && b < ' ' || b == 0x7f) {
                            return Detection.TCP;
                        }
                        part = part == Part.GAP1 ? Part.TARGET : Part.VERSION;
                        partStart = i;
                        if (part == Part.VERSION && b != HTTP1_VERSION[0]) {
                            return Detection.TCP;
                        }
                    }
                }
                case TARGET -> {
                    if (isBlank(b)) {
                        part = Part.GAP2;
                    } else if (b >= 0 && b < ' ' || b == 0x7f) {
                        return Detection.TCP;
                    }
                }
                case VERSION -> {
                    int at = i - partStart;
                    if (at < HTTP1_VERSION.length) {
                        if (b != HTTP1_VERSION[at]) {
                            return Detection.TCP;
                        }
                    } else if (at == HTTP1_VERSION.length) {
                        if (b < '0' || b > '9') {
                            return Detection.TCP;
                        }
                        part = Part.TRAILING;
                    }
                }
                case TRAILING -> {
                    if (b == '\n') {
                        return Detection.HTTP1;
                    }
                    if (b == '\r') {
                        if (i + 1 < length && in.getByte(start + i + 1) != '\n') {
                            return Detection.TCP;
                        }
                    } else if (!isBlank(b)) {
                        return Detection.TCP;
                    }
                }
            }
        }
        return null;
    }

    /**
     * What to make of bytes that never became decidable (the client stalled, or sent its FIN):
     * TLS or HTTP/2 if they began like one, else HTTP/1, whose decoder answers a broken request
     * properly, rather than relaying something that began like HTTP past the HTTP filters.
     */
    public static Detection undecided(ByteBuf in) {
        if (!in.isReadable()) {
            return Detection.TCP;
        }
        int start = in.readerIndex();
        if (in.getUnsignedByte(start) == TLS_HANDSHAKE) {
            return Detection.tls(null);
        }
        if (startsLike(in, start, in.readableBytes(), HTTP2_PREFACE)) {
            return Detection.HTTP2;
        }
        for (int i = start; i < in.writerIndex(); i++) {
            byte b = in.getByte(i);
            if (!isBlank(b) && !isLineEnd(b)) {
                int word = i;
                while (word < in.writerIndex() && isTokenChar(in.getByte(word))) {
                    word++;
                }
                return word > i && beginsMethod(in, i, word - i, false) ? Detection.HTTP1 : Detection.TCP;
            }
        }
        return Detection.TCP;
    }

    /** Whether the {@code length} bytes at {@code at} begin (or, {@code whole}, are) a registered method. */
    private static boolean beginsMethod(ByteBuf in, int at, int length, boolean whole) {
        for (byte[] method : METHODS) {
            if (length <= method.length && (!whole || length == method.length)) {
                boolean matches = true;
                for (int i = 0; i < length && matches; i++) {
                    matches = in.getByte(at + i) == method[i];
                }
                if (matches) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean isBlank(byte b) {
        return b == ' ' || b == '\t';
    }

    private static boolean isLineEnd(byte b) {
        return b == '\r' || b == '\n';
    }

    /** RFC 9110 tchar. */
    private static boolean isTokenChar(byte b) {
        if (b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9') {
            return true;
        }
        return b > 0 && "!#$%&'*+-.^_`|~".indexOf(b) >= 0;
    }
}
