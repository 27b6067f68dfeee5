package io.outrigger.protocol;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;

/** Reads the server name (SNI) out of a TLS ClientHello, for the access log. */
final class ClientHello {

    private static final int CLIENT_HELLO = 1;
    private static final int SERVER_NAME_EXTENSION = 0;
    private static final int HOST_NAME = 0;

    private ClientHello() {
    }

    /**
     * @param record the first TLS record's payload, starting at the handshake header
     * @return the host name asked for, or null when there is none or the message does not parse
     */
    static String serverName(ByteBuf record) {
        try {
            return parse(record);
        } catch (IndexOutOfBoundsException e) {
            return null;   // truncated or lying about a length: no name
        }
    }

    private static String parse(ByteBuf b) {
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
        while (b.readerIndex() + 4 <= end) {
            int type = b.readUnsignedShort();
            int length = b.readUnsignedShort();
            if (type != SERVER_NAME_EXTENSION) {
                b.skipBytes(length);
                continue;
            }
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
        return null;
    }
}
