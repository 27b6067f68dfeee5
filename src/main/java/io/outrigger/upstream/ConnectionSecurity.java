package io.outrigger.upstream;

import java.net.InetSocketAddress;

import io.netty.channel.Channel;

/**
 * Secures a new upstream connection before it connects, typically by putting a TLS handler first
 * in its pipeline; the connection is handed out only once that handler's handshake succeeded.
 * It may close the channel instead, which fails the connect.
 */
@FunctionalInterface
public interface ConnectionSecurity {

    /** Plaintext. */
    ConnectionSecurity NONE = (channel, remote) -> {
    };

    void secure(Channel channel, InetSocketAddress remote);

    /** As {@link #secure}, for a connection that will carry HTTP/2: where TLS has ALPN, it says so. */
    default void secureHttp2(Channel channel, InetSocketAddress remote) {
        secure(channel, remote);
    }
}
