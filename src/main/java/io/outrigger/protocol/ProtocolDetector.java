package io.outrigger.protocol;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;

/**
 * Tells what a connection speaks from its first bytes, which may arrive split anywhere: each call
 * looks at everything received so far and answers, or returns null when it cannot tell yet.
 * Reads without consuming, so the bytes can be replayed to whichever protocol takes them.
 *
 * <p>HTTP/1 is recognised by a whole request line ({@code METHOD SP target SP HTTP/1.x}), not by a
 * method name alone: {@code SET key value} (Redis) or {@code EHLO host} (SMTP) are not HTTP.
 */
public final class ProtocolDetector {

    static final byte[] HTTP2_PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HTTP1_VERSION = "HTTP/1.".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_METHOD = 32;
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
        return Detection.tls(ClientHello.serverName(in.slice(start + 5, recordLength)));
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

    private enum Part { METHOD, TARGET, VERSION, CR }

    private static Detection http1(ByteBuf in, int start, int length, int maxRequestLine) {
        int i = 0;
        // RFC 9112 2.2: a server ignores at least one empty line before the request line.
        while (i < length && i < 2 && isLineEnd(in.getByte(start + i))) {
            i++;
        }
        Part part = Part.METHOD;
        int partStart = i;
        for (; i < length; i++) {
            if (i >= maxRequestLine) {
                return part == Part.METHOD ? Detection.TCP : Detection.HTTP1;
            }
            byte b = in.getByte(start + i);
            switch (part) {
                case METHOD -> {
                    if (b == ' ' && i > partStart) {
                        part = Part.TARGET;
                        partStart = i + 1;
                    } else if (!isTokenChar(b) || i - partStart >= MAX_METHOD) {
                        return Detection.TCP;
                    }
                }
                case TARGET -> {
                    if (b == ' ' && i > partStart) {
                        part = Part.VERSION;
                        partStart = i + 1;
                    } else if (b <= ' ' && b >= 0 || b == 0x7f) {
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
                        part = Part.CR;
                    }
                }
                case CR -> {
                    if (b == '\n') {
                        return Detection.HTTP1;
                    }
                    if (b != '\r' || i + 1 < length && in.getByte(start + i + 1) != '\n') {
                        return Detection.TCP;
                    }
                }
            }
        }
        return null;
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
