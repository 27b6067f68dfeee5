package io.outrigger.http2;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;

/**
 * An HTTP/2 client that writes frames byte by byte, including the ones no well-behaved client
 * sends: floods, endless CONTINUATION, random junk. It reads only when asked to.
 */
final class RawHttp2 implements AutoCloseable {

    static final int DATA = 0;
    static final int HEADERS = 1;
    static final int RST_STREAM = 3;
    static final int SETTINGS = 4;
    static final int PING = 6;
    static final int GOAWAY = 7;
    static final int CONTINUATION = 9;
    static final int END_STREAM = 0x1;
    static final int END_HEADERS = 0x4;

    private final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;
    private final DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder();
    private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false);

    /** Connects and sends the preface and an empty SETTINGS frame; a small receive buffer makes the server's writes back up. */
    RawHttp2(int port, int receiveBuffer) throws IOException {
        this(connected(port, receiveBuffer));
    }

    /** Over a socket already connected (and its TLS done, where it has some). */
    RawHttp2(Socket socket) throws IOException {
        this.socket = socket;
        socket.setSoTimeout(15_000);
        out = socket.getOutputStream();
        in = new DataInputStream(socket.getInputStream());
        out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        frame(SETTINGS, 0, 0, new byte[0]);
    }

    void frame(int type, int flags, int stream, byte[] payload) throws IOException {
        byte[] frame = new byte[9 + payload.length];
        frame[0] = (byte) (payload.length >>> 16);
        frame[1] = (byte) (payload.length >>> 8);
        frame[2] = (byte) payload.length;
        frame[3] = (byte) type;
        frame[4] = (byte) flags;
        frame[5] = (byte) (stream >>> 24 & 0x7f);
        frame[6] = (byte) (stream >>> 16);
        frame[7] = (byte) (stream >>> 8);
        frame[8] = (byte) stream;
        System.arraycopy(payload, 0, frame, 9, payload.length);
        out.write(frame);
    }

    private static Socket connected(int port, int receiveBuffer) throws IOException {
        Socket socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        return socket;
    }

    /** A GET's header block for {@code authority}, HPACK-encoded by this connection's encoder. */
    byte[] get(String authority, String path) {
        return block(new DefaultHttp2Headers().method("GET").scheme("http").authority(authority).path(path));
    }

    byte[] block(Http2Headers headers) {
        ByteBuf buffer = Unpooled.buffer();
        try {
            encoder.encodeHeaders(1, headers, buffer);
            byte[] bytes = new byte[buffer.readableBytes()];
            buffer.readBytes(bytes);
            return bytes;
        } catch (Http2Exception e) {
            throw new IllegalStateException(e);
        } finally {
            buffer.release();
        }
    }

    /** Sends a GET on {@code stream} and reads until its response head: the {@code :status}, or -1 if the connection ended first. */
    int status(int stream, String authority, String path) throws IOException {
        frame(HEADERS, END_HEADERS | END_STREAM, stream, get(authority, path));
        return awaitStatus(stream);
    }

    int awaitStatus(int stream) throws IOException {
        try {
            while (true) {
                int length = in.readUnsignedByte() << 16 | in.readUnsignedShort();
                int type = in.readUnsignedByte();
                in.readUnsignedByte();
                int id = in.readInt() & 0x7fffffff;
                byte[] payload = in.readNBytes(length);
                if (type == HEADERS && id == stream) {
                    ByteBuf block = Unpooled.wrappedBuffer(payload);
                    try {
                        return Integer.parseInt(decoder.decodeHeaders(stream, block).status().toString());
                    } catch (Http2Exception e) {
                        throw new IOException(e);
                    }
                }
                if (type == GOAWAY) {
                    return -1;
                }
            }
        } catch (EOFException | SocketException end) {
            return -1;
        }
    }

    /** Reads frames until GOAWAY (its error code) or the end of the connection (-1). */
    long goAway() throws IOException {
        try {
            while (true) {
                int length = in.readUnsignedByte() << 16 | in.readUnsignedShort();
                int type = in.readUnsignedByte();
                in.readUnsignedByte();
                in.readInt();
                byte[] payload = in.readNBytes(length);
                if (type == GOAWAY && payload.length >= 8) {
                    return (payload[4] & 0xffL) << 24 | (payload[5] & 0xff) << 16 | (payload[6] & 0xff) << 8 | payload[7] & 0xff;
                }
            }
        } catch (EOFException | SocketException end) {
            return -1;
        }
    }

    /** Whether the server has closed the connection: a read ends within the timeout (after whatever it still sent). */
    boolean closedByServer() throws IOException {
        try {
            while (in.read(new byte[8192]) >= 0) {
                // what the server sent before closing
            }
            return true;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (SocketException reset) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
