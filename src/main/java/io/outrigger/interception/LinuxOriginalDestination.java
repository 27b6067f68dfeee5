package io.outrigger.interception;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;

import io.netty.channel.Channel;
import io.netty.channel.unix.UnixChannel;

/**
 * {@code getsockopt(SOL_IP, SO_ORIGINAL_DST)} (and {@code SOL_IPV6, IP6T_SO_ORIGINAL_DST}) on the
 * accepted socket, through the Foreign Function and Memory API: netfilter's record of where a
 * connection was going before an iptables REDIRECT sent it to a listener. A connection that was
 * not redirected has no such record (or one equal to its own local address), and reports none.
 */
public final class LinuxOriginalDestination implements OriginalDestination {

    private static final int SOL_IP = 0;
    private static final int SOL_IPV6 = 41;
    private static final int SO_ORIGINAL_DST = 80;        // also IP6T_SO_ORIGINAL_DST
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;
    private static final int SOCKADDR_IN6_SIZE = 28;
    private static final ValueLayout.OfShort NETWORK_ORDER_SHORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private static final MethodHandle GETSOCKOPT = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("getsockopt").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS, ValueLayout.ADDRESS));

    /** Whether this platform has the call at all (Linux); elsewhere use {@link OriginalDestination#NONE}. */
    public static boolean supported() {
        return System.getProperty("os.name", "").toLowerCase().contains("linux");
    }

    @Override
    public InetSocketAddress of(Channel channel) {
        if (!(channel instanceof UnixChannel unix) || !(channel.localAddress() instanceof InetSocketAddress local)) {
            return null;
        }
        boolean ipv6 = local.getAddress().getAddress().length == 16;
        InetSocketAddress original = lookup(unix.fd().intValue(), ipv6);
        return original == null || original.equals(local) ? null : original;
    }

    /** The original destination of socket {@code fd}, or null when netfilter has none. */
    static InetSocketAddress lookup(int fd, boolean ipv6) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment address = arena.allocate(SOCKADDR_IN6_SIZE);
            MemorySegment length = arena.allocate(ValueLayout.JAVA_INT);
            length.set(ValueLayout.JAVA_INT, 0, SOCKADDR_IN6_SIZE);
            int result = (int) GETSOCKOPT.invokeExact(fd, ipv6 ? SOL_IPV6 : SOL_IP, SO_ORIGINAL_DST, address, length);
            if (result != 0) {
                return null; // ENOENT: not redirected; ENOPROTOOPT: no conntrack here
            }
            return parse(address);
        } catch (Throwable e) {
            throw new IllegalStateException("getsockopt(SO_ORIGINAL_DST) failed", e);
        }
    }

    /** Reads a {@code sockaddr_in} or {@code sockaddr_in6}: family in host order, port in network order. */
    static InetSocketAddress parse(MemorySegment sockaddr) throws UnknownHostException {
        int family = Short.toUnsignedInt(sockaddr.get(ValueLayout.JAVA_SHORT, 0));
        int port = Short.toUnsignedInt(sockaddr.get(NETWORK_ORDER_SHORT, 2));
        byte[] ip;
        if (family == AF_INET) {
            ip = sockaddr.asSlice(4, 4).toArray(ValueLayout.JAVA_BYTE);
        } else if (family == AF_INET6) {
            ip = sockaddr.asSlice(8, 16).toArray(ValueLayout.JAVA_BYTE);
        } else {
            return null;
        }
        return new InetSocketAddress(InetAddress.getByAddress(ip), port);
    }
}
