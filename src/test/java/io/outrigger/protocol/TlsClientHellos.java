package io.outrigger.protocol;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/** Real ClientHello bytes, as the JDK's TLS client sends them. */
public final class TlsClientHellos {

    private TlsClientHellos() {
    }

    /** The first flight of a TLS client asking for {@code serverName} (none when null). */
    public static byte[] clientHello(String serverName, String... alpn) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, null, null);
            SSLEngine engine = context.createSSLEngine();
            engine.setUseClientMode(true);
            SSLParameters parameters = engine.getSSLParameters();
            parameters.setServerNames(serverName == null ? List.of() : List.of(new SNIHostName(serverName)));
            if (alpn.length > 0) {
                parameters.setApplicationProtocols(alpn);
            }
            engine.setSSLParameters(parameters);
            ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
            engine.wrap(ByteBuffer.allocate(0), out);
            return Arrays.copyOf(out.array(), out.position());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
