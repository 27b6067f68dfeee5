package io.outrigger.protocol;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.ByteBuf;

/**
 * Reads the server name (SNI, for the access log) and the offered application protocols (ALPN,
 * which tell a sidecar's mTLS from an application's own TLS) out of a TLS ClientHello.
 */
final class ClientHello {

    private static final int CLIENT_HELLO = 1;
    private static final int SERVER_NAME_EXTENSION = 0;
    private static final int ALPN_EXTENSION = 16;
    private static final int HOST_NAME = 0;

    private ClientHello() {
    }

    /**
     * @param record the first TLS record's payload, starting at the handshake header
     * @return what it asks for; no name and no protocols when the message does not parse
     */
    static Detection read(ByteBuf record) {
        List<String> alpn = new ArrayList<>(2);
        try {
            return Detection.tls(parse(record, alpn), alpn);
        } catch (IndexOutOfBoundsException e) {
            return Detection.tls(null);   // truncated or lying about a length
        }
    }

    private static String parse(ByteBuf b, List<String> alpn) {
        if (b.readUnsignedByte() != CLIENT_HELLO) {
            return null;
        }
        b.skipBytes(3);                           // handshake length
        b.skipBytes(2 + 32);                      // client version, random
        b.skipBytes(b.readUnsignedByte());        // session id
        b.skipBytes(b.readUnsignedShort());       // cipher suites
        b.skipBytes(b.readUnsignedByte());        // compression methods
        if (!b.isReadable()) {
            return null;                          // no extensions at all
        }
        int end = b.readUnsignedShort() + b.readerIndex();
        String serverName = null;
        while (b.readerIndex() + 4 <= end) {
            int type = b.readUnsignedShort();
            int length = b.readUnsignedShort();
            int next = b.readerIndex() + length;
            if (type == SERVER_NAME_EXTENSION) {
                serverName = hostName(b);
            } else if (type == ALPN_EXTENSION) {
                int listEnd = b.readUnsignedShort() + b.readerIndex();
                while (b.readerIndex() < listEnd) {
                    alpn.add(b.readCharSequence(b.readUnsignedByte(), StandardCharsets.US_ASCII).toString());
                }
            }
            b.readerIndex(next);
        }
        return serverName;
    }

    private static String hostName(ByteBuf b) {
        int listEnd = b.readUnsignedShort() + b.readerIndex();
        while (b.readerIndex() + 3 <= listEnd) {
            int nameType = b.readUnsignedByte();
            int nameLength = b.readUnsignedShort();
            if (nameType == HOST_NAME) {
                return b.readCharSequence(nameLength, StandardCharsets.US_ASCII).toString();
            }
            b.skipBytes(nameLength);
        }
        return null;
    }
}
