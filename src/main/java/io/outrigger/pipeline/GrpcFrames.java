package io.outrigger.pipeline;

import io.netty.buffer.ByteBuf;

/**
 * Counts the messages of a gRPC body as it streams past, buffer by buffer, without copying or
 * holding any: gRPC frames each message with a five-byte prefix (a compressed flag and a 32-bit
 * length, gRPC over HTTP/2, "Length-Prefixed-Message"), so the count needs only the position in
 * the current prefix or message. A message counts once it is whole.
 */
public final class GrpcFrames {

    private static final int PREFIX = 5;

    private int prefixSeen;
    private long length;
    private long remaining;
    private long messages;

    /** Reads past {@code buffer}'s readable bytes, leaving its indexes as they are. */
    public void scan(ByteBuf buffer) {
        int at = buffer.readerIndex();
        int end = buffer.writerIndex();
        while (at < end) {
            if (remaining > 0) {
                int skipped = (int) Math.min(remaining, end - at);
                at += skipped;
                remaining -= skipped;
                if (remaining == 0) {
                    messages++;
                }
                continue;
            }
            int octet = buffer.getUnsignedByte(at++);
            if (prefixSeen++ > 0) {   // the first octet is the compressed flag
                length = length << 8 | octet;
            }
            if (prefixSeen == PREFIX) {
                remaining = length;
                prefixSeen = 0;
                length = 0;
                if (remaining == 0) {
                    messages++;
                }
            }
        }
    }

    public long messages() {
        return messages;
    }
}
