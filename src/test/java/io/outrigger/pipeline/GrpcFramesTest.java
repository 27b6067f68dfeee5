package io.outrigger.pipeline;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class GrpcFramesTest {

    private static ByteBuf message(int length) {
        ByteBuf frame = Unpooled.buffer(5 + length).writeByte(0).writeInt(length);
        return frame.writeZero(length);
    }

    @Test
    void countsWholeMessagesHoweverTheBuffersCutThem() {
        ByteBuf stream = Unpooled.wrappedBuffer(message(3), message(0), message(70_000), message(1));
        byte[] bytes = new byte[stream.readableBytes()];
        stream.readBytes(bytes);
        for (int cut : new int[] {1, 2, 4, 5, 7, 4096, bytes.length}) {
            GrpcFrames frames = new GrpcFrames();
            for (int at = 0; at < bytes.length; at += cut) {
                ByteBuf part = Unpooled.wrappedBuffer(bytes, at, Math.min(cut, bytes.length - at));
                frames.scan(part);
                assertThat(part.readerIndex()).isZero();
            }
            assertThat(frames.messages()).as("cut every %d bytes", cut).isEqualTo(4);
        }
    }

    @Test
    void aMessageNotYetWholeIsNotCounted() {
        GrpcFrames frames = new GrpcFrames();
        ByteBuf first = message(10);
        frames.scan(first.slice(0, 12));
        assertThat(frames.messages()).isZero();
        frames.scan(first.slice(12, 3));
        assertThat(frames.messages()).isEqualTo(1);
    }
}
