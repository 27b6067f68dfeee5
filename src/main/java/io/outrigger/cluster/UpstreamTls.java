package io.outrigger.cluster;

import java.net.SocketAddress;

import io.netty.channel.Channel;
import io.outrigger.config.OutriggerProperties;

/** Secures a new upstream connection of a cluster whose config asks for it ({@code tls: mutual}). */
@FunctionalInterface
public interface UpstreamTls {

    /** Plaintext only: for tests and for clusters that never ask. */
    UpstreamTls NONE = (channel, remote, cluster) -> {
    };

    /** Called as the connection is set up, before it connects. */
    void secure(Channel channel, SocketAddress remote, OutriggerProperties.Cluster cluster);
}
