package io.outrigger.netty;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollServerSocketChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The loops batch each connection's epoll interest changes until the loop next waits; reading must
 * still pause and resume exactly when auto-read says, and a blocked write must still complete.
 */
class EventLoopsTest {

    private EventLoops loops;
    private Channel server;
    private final BlockingQueue<String> received = new LinkedBlockingQueue<>();
    private final BlockingQueue<Channel> accepted = new LinkedBlockingQueue<>();

    @BeforeEach
    void start() {
        Assumptions.assumeTrue(Epoll.isAvailable(), () -> "skipped: native epoll unavailable: " + Epoll.unavailabilityCause());
        loops = new EventLoops(1);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close().syncUninterruptibly();
        }
        if (loops != null) {
            loops.dispose();
        }
    }

    @Test
    void readingPausedByAutoReadWaitsUntilItIsResumed() throws Exception {
        listen(ctx -> ctx.channel().config().setAutoRead(false));
        try (Socket client = connect()) {
            send(client, "first");
            assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo("first");
            Channel connection = accepted.take();

            send(client, "second");
            assertThat(received.poll(300, TimeUnit.MILLISECONDS)).as("read while auto-read is off").isNull();

            connection.eventLoop().execute(() -> connection.config().setAutoRead(true));
            assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo("second");
        }
    }

    @Test
    void autoReadTurnedOffAndOnInOnePassKeepsReading() throws Exception {
        // What Reactor Netty does for each request on a keep-alive connection.
        listen(ctx -> {
            ctx.channel().config().setAutoRead(false);
            ctx.channel().config().setAutoRead(true);
        });
        try (Socket client = connect()) {
            for (String message : new String[] {"one", "two", "three"}) {
                send(client, message);
                assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo(message);
            }
        }
    }

    @Test
    void aWriteLargerThanTheSocketBuffersCompletesOnceTheReaderDrainsIt() throws Exception {
        listen(ctx -> { });
        int size = 32 << 20;
        try (Socket client = connect()) {
            send(client, "go");
            assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo("go");
            Channel connection = accepted.take();

            ChannelFuture write = connection.writeAndFlush(Unpooled.wrappedBuffer(new byte[size]));
            assertThat(write.await(300, TimeUnit.MILLISECONDS)).as("written before the reader read").isFalse();

            InputStream in = client.getInputStream();
            byte[] buffer = new byte[64 << 10];
            long total = 0;
            while (total < size) {
                int n = in.read(buffer);
                assertThat(n).isPositive();
                total += n;
            }
            assertThat(write.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(write.isSuccess()).isTrue();
        }
    }

    private void listen(Consumer<ChannelHandlerContext> onRead) throws InterruptedException {
        server = new ServerBootstrap()
                .group(loops.resources().onServer(true))
                .channel(EpollServerSocketChannel.class)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        accepted.add(ctx.channel());
                        ctx.fireChannelActive();
                    }

                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ByteBuf bytes = (ByteBuf) msg;
                        received.add(bytes.toString(StandardCharsets.US_ASCII));
                        bytes.release();
                        onRead.accept(ctx);
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    private Socket connect() throws Exception {
        Socket client = new Socket();
        client.setTcpNoDelay(true);
        client.connect(server.localAddress());
        return client;
    }

    private static void send(Socket client, String message) throws Exception {
        OutputStream out = client.getOutputStream();
        out.write(message.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }
}
