package io.outrigger.protocol;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sniffer in a channel with a stand-in for the HTTP handlers behind it: HTTP/1 arrives there
 * whole and in order however it was split, anything else is handed to TCP with every byte, and the
 * two clocks decide for clients that stay silent or stall.
 */
class ProtocolSnifferTest {

    static final Duration TIMEOUT = Duration.ofMillis(100);

    /** What the HTTP side saw. */
    static final class HttpSide extends ChannelInboundHandlerAdapter {
        boolean active;
        final StringBuilder bytes = new StringBuilder();

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            active = true;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            bytes.append(buf.toString(StandardCharsets.ISO_8859_1));
            buf.release();
        }
    }

    record Handoff(String bytes, Detection detection) {
    }

    final HttpSide http = new HttpSide();
    final List<Handoff> tcp = new ArrayList<>();

    EmbeddedChannel channel(ProtocolSniffer sniffer) {
        return new EmbeddedChannel(sniffer, http);
    }

    ProtocolSniffer sniffing() {
        return ProtocolSniffer.sniffing(TIMEOUT, 16 * 1024, this::dispatch);
    }

    /** As the listeners do: HTTP/1 to the HTTP handlers, the rest (here) recorded as TCP. */
    void dispatch(ChannelHandlerContext ctx, ByteBuf bytes, Detection detection) {
        if (detection.kind() == Detection.Kind.HTTP1) {
            ProtocolSniffer.startHttp(ctx, bytes);
            return;
        }
        tcp.add(new Handoff(bytes.toString(StandardCharsets.ISO_8859_1), detection));
        bytes.release();
    }

    @Test
    void httpSplitIntoSmallPiecesReachesTheHttpHandlersWhole() {
        EmbeddedChannel channel = channel(sniffing());
        String request = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
        for (String piece : new String[] {"G", "ET /", "a HTTP", "/1.", "1\r", "\nHost: x\r\n\r\n"}) {
            assertThat(http.active).isFalse();
            channel.writeInbound(ascii(piece));
        }
        assertThat(http.active).isTrue();
        assertThat(http.bytes.toString()).isEqualTo(request);
        assertThat(tcp).isEmpty();
        assertThat(channel.pipeline().get(ProtocolSniffer.class)).isNull();
        channel.finishAndReleaseAll();
    }

    @Test
    void aNonHttpFirstPacketGoesToTcpWithAllItsBytes() {
        EmbeddedChannel channel = channel(sniffing());
        channel.writeInbound(ascii("SE"));
        assertThat(tcp).as("SE could begin SEARCH").isEmpty();
        channel.writeInbound(ascii("T key value\r\n"));
        assertThat(tcp).containsExactly(new Handoff("SET key value\r\n", Detection.TCP));
        assertThat(http.active).isFalse();
        channel.finishAndReleaseAll();
    }

    @Test
    void aSilentClientBecomesTcpAfterTheDetectionTimeout() {
        EmbeddedChannel channel = channel(sniffing());
        channel.advanceTimeBy(TIMEOUT.toMillis() - 1, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(tcp).isEmpty();
        channel.advanceTimeBy(2, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(tcp).containsExactly(new Handoff("", Detection.TCP));
        channel.finishAndReleaseAll();
    }

    @Test
    void aClientThatHasStartedSendingIsGivenLongerThanTheDetectionTimeout() {
        EmbeddedChannel channel = channel(sniffing());
        channel.writeInbound(ascii("GET /slow"));
        channel.advanceTimeBy(TIMEOUT.toMillis() * 5, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(tcp).isEmpty();
        channel.writeInbound(ascii(" HTTP/1.1\r\n\r\n"));
        assertThat(http.bytes.toString()).isEqualTo("GET /slow HTTP/1.1\r\n\r\n");

        // Stalled mid-line: the HTTP handlers get it (and answer it), it is not relayed past them.
        HttpSide stalledHttp = new HttpSide();
        EmbeddedChannel stalled = new EmbeddedChannel(sniffing(), stalledHttp);
        stalled.writeInbound(ascii("GET /never-finished"));
        stalled.advanceTimeBy(ProtocolSniffer.FIRST_LINE_TIMEOUT.toMillis() + 1, TimeUnit.MILLISECONDS);
        stalled.runScheduledPendingTasks();
        assertThat(tcp).isEmpty();
        assertThat(stalledHttp.bytes.toString()).isEqualTo("GET /never-finished");

        // A binary protocol that stalled mid-message is relayed as what it is.
        EmbeddedChannel binary = new EmbeddedChannel(sniffing(), new HttpSide());
        binary.writeInbound(Unpooled.wrappedBuffer(new byte[] {0x16, 3, 1}));
        binary.advanceTimeBy(ProtocolSniffer.FIRST_LINE_TIMEOUT.toMillis() + 1, TimeUnit.MILLISECONDS);
        binary.runScheduledPendingTasks();
        assertThat(tcp).extracting(Handoff::detection).containsExactly(Detection.tls(null));
        binary.finishAndReleaseAll();
        channel.finishAndReleaseAll();
        stalled.finishAndReleaseAll();
    }

    @Test
    void aDeclaredPortIsHandedOverAtOnceWithoutReading() {
        EmbeddedChannel channel = channel(ProtocolSniffer.declared(Detection.TCP, this::dispatch));
        assertThat(tcp).containsExactly(new Handoff("", Detection.TCP));
        assertThat(http.active).isFalse();
        channel.finishAndReleaseAll();
    }

    @Test
    void aConnectionClosedWhileSniffingReleasesWhatItHeld() {
        EmbeddedChannel channel = channel(sniffing());
        ByteBuf partial = ascii("GET /");
        channel.writeInbound(partial);
        channel.close();
        assertThat(partial.refCnt()).isZero();
        assertThat(tcp).isEmpty();
        assertThat(http.active).isFalse();
    }

    static ByteBuf ascii(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII);
    }
}
