package io.outrigger.interception;

import java.net.InetSocketAddress;

import io.netty.channel.Channel;

/**
 * Recovers where a connection was going before iptables redirected it to a listener. The
 * implementation for redirected sockets is OS-specific and lives behind this interface, so the
 * whole proxy runs in tests and local runs without iptables.
 */
@FunctionalInterface
public interface OriginalDestination {

    /** Never redirected: every connection reports "no original destination". */
    OriginalDestination NONE = channel -> null;

    /** The original destination, or null when the connection was not redirected. */
    InetSocketAddress of(Channel channel);
}
