package io.outrigger.interception;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.nio.ByteOrder;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.tcp.TcpClient;
import reactor.netty.tcp.TcpServer;

import static org.assertj.core.api.Assertions.assertThat;

class LinuxOriginalDestinationTest {

    @Test
    void readsSockaddrInAndIn6() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v4 = arena.allocate(28);
            v4.set(ValueLayout.JAVA_SHORT, 0, (short) 2);
            v4.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 2, (short) 9080);
            v4.asSlice(4, 4).copyFrom(MemorySegment.ofArray(new byte[] {(byte) 198, 18, 0, 7}));
            assertThat(LinuxOriginalDestination.parse(v4)).isEqualTo(new InetSocketAddress("198.18.0.7", 9080));

            MemorySegment v6 = arena.allocate(28);
            v6.set(ValueLayout.JAVA_SHORT, 0, (short) 10);
            v6.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 2, (short) 443);
            byte[] ip = new byte[16];
            ip[15] = 1;
            v6.asSlice(8, 16).copyFrom(MemorySegment.ofArray(ip));
            assertThat(LinuxOriginalDestination.parse(v6)).isEqualTo(new InetSocketAddress("::1", 443));
        }
    }

    @Test
    void aConnectionThatWasNotRedirectedHasNoOriginalDestination() {
        LinuxOriginalDestination lookup = new LinuxOriginalDestination();
        InetSocketAddress[] seen = new InetSocketAddress[1];
        boolean[] looked = new boolean[1];
        DisposableServer server = TcpServer.create().host("127.0.0.1").port(0)
                .doOnConnection(connection -> {
                    seen[0] = lookup.of(connection.channel());
                    looked[0] = true;
                })
                .bindNow();
        try {
            TcpClient.create().host("127.0.0.1").port(server.port()).connect()
                    .flatMap(c -> Mono.delay(Duration.ofMillis(200)).doFinally(s -> c.dispose()))
                    .block(Duration.ofSeconds(5));
            assertThat(looked[0]).as("the lookup ran on an epoll channel").isTrue();
            assertThat(seen[0]).isNull();
        } finally {
            server.disposeNow();
        }
    }
}
