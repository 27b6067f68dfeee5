package io.outrigger.protocol;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PrefaceWatchTest {

    private final List<String> taken = new ArrayList<>();

    private EmbeddedChannel channel() {
        return new EmbeddedChannel(new PrefaceWatch((ctx, bytes, detection) -> {
            taken.add(detection.kind() + " " + bytes.toString(StandardCharsets.US_ASCII));
            bytes.release();
        }, Duration.ofSeconds(10)));
    }

    private static ByteBuf ascii(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII);
    }

    @Test
    void http11PassesOnUntouchedAndTheWatchLeaves() {
        EmbeddedChannel channel = channel();
        channel.writeInbound(ascii("GET / HTTP/1.1\r\n"));
        ByteBuf passed = channel.readInbound();
        assertThat(passed.toString(StandardCharsets.US_ASCII)).isEqualTo("GET / HTTP/1.1\r\n");
        passed.release();
        assertThat(channel.pipeline().get(PrefaceWatch.class)).isNull();
        assertThat(taken).isEmpty();
    }

    @Test
    void thePrefaceInPiecesIsHandedOverWhole() {
        EmbeddedChannel channel = channel();
        channel.writeInbound(ascii("PRI * HTTP/2.0\r\n"));
        assertThat(taken).isEmpty();
        assertThat((Object) channel.readInbound()).isNull();
        channel.writeInbound(ascii("\r\nSM\r\n\r\n" + "settings"));
        assertThat(taken).containsExactly("HTTP2 PRI * HTTP/2.0\r\n\r\nSM\r\n\r\nsettings");
    }

    @Test
    void aLonePThatNeverGoesOnIsHttp11sToJudgeAfterThePatience() {
        EmbeddedChannel channel = channel();
        channel.writeInbound(ascii("P"));
        assertThat((Object) channel.readInbound()).isNull();
        channel.advanceTimeBy(9, TimeUnit.SECONDS);
        channel.runPendingTasks();
        assertThat((Object) channel.readInbound()).isNull();
        channel.advanceTimeBy(1, TimeUnit.SECONDS);
        channel.runPendingTasks();
        ByteBuf passed = channel.readInbound();
        assertThat(passed.toString(StandardCharsets.US_ASCII)).isEqualTo("P");
        passed.release();
        assertThat(channel.pipeline().get(PrefaceWatch.class)).isNull();
        assertThat(taken).isEmpty();
    }

    @Test
    void aRequestThatOnlyBeganLikeThePrefaceIsHttp11() {
        EmbeddedChannel channel = channel();
        channel.writeInbound(ascii("PR"));
        channel.writeInbound(ascii("OPFIND / HTTP/1.1\r\n"));
        ByteBuf passed = channel.readInbound();
        assertThat(passed.toString(StandardCharsets.US_ASCII)).isEqualTo("PROPFIND / HTTP/1.1\r\n");
        passed.release();
        assertThat(taken).isEmpty();
        assertThat(channel.finish()).isFalse();
    }
}
