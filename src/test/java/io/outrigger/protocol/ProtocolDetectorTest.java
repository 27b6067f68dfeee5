package io.outrigger.protocol;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Detection on first packets split at every possible place: each prefix either answers what the
 * whole would (once enough is there) or asks for more, never a wrong answer from a partial read.
 */
class ProtocolDetectorTest {

    static final int MAX_LINE = 16 * 1024;

    @Test
    void anHttp1RequestIsKnownOnlyOnceItsRequestLineIsComplete() {
        byte[] request = ascii("GET /orders?id=7 HTTP/1.1\r\nHost: shop\r\n\r\n");
        int lineEnd = indexOf(request, '\n');
        for (int n = 1; n < request.length; n++) {
            Detection detection = detect(request, n);
            if (n <= lineEnd) {
                assertThat(detection).as("prefix of %d bytes", n).isNull();
            } else {
                assertThat(detection).as("prefix of %d bytes", n).isEqualTo(Detection.HTTP1);
            }
        }
    }

    @Test
    void otherHttp1Forms() {
        assertThat(detectAll("POST /x HTTP/1.0\n")).isEqualTo(Detection.HTTP1);             // bare LF
        assertThat(detectAll("\r\nGET / HTTP/1.1\r\n")).isEqualTo(Detection.HTTP1);         // leading empty line
        assertThat(detectAll("OPTIONS * HTTP/1.1\r\n")).isEqualTo(Detection.HTTP1);
        assertThat(detectAll("GET http://a.example/x HTTP/1.1\r\n")).isEqualTo(Detection.HTTP1);
        assertThat(detectAll("PROPFIND /dav HTTP/1.1\r\n")).isEqualTo(Detection.HTTP1);
    }

    /** What Netty's decoder (or an application's server) would take as a request line is HTTP here too. */
    @Test
    void laxRequestLinesAreHttpSoTheyCannotPassTheFiltersByAsTcp() {
        assertThat(detectAll("\r\n\r\n\r\nGET /admin HTTP/1.1\r\n")).isEqualTo(Detection.HTTP1);
        assertThat(detectAll("GET  /admin HTTP/1.1\r\n")).isEqualTo(Detection.HTTP1);
        assertThat(detectAll("GET\t/admin\tHTTP/1.1 \r\n")).isEqualTo(Detection.HTTP1);
        assertThat(detectAll(" \tGET /admin HTTP/1.0\n")).isEqualTo(Detection.HTTP1);
    }

    @Test
    void bytesThatStalledGoWhereTheyBeganToPoint() {
        assertThat(ProtocolDetector.undecided(Unpooled.wrappedBuffer(ascii("GET /adm")))).isEqualTo(Detection.HTTP1);
        assertThat(ProtocolDetector.undecided(Unpooled.wrappedBuffer(new byte[] {0x16, 3, 1}))).isEqualTo(Detection.tls(null));
        assertThat(ProtocolDetector.undecided(Unpooled.wrappedBuffer(ascii("PRI * HT")))).isEqualTo(Detection.HTTP2);
        assertThat(ProtocolDetector.undecided(Unpooled.EMPTY_BUFFER)).isEqualTo(Detection.TCP);
    }

    @Test
    void wordsFollowedBySpacesAreNotHttp() {
        assertThat(detectAll("SET key value\r\n")).isEqualTo(Detection.TCP);     // Redis inline command
        assertThat(detectAll("EHLO mail.example\r\n")).isEqualTo(Detection.TCP); // SMTP
        assertThat(detectAll("GET / HTTP/2.0\r\n")).isEqualTo(Detection.TCP);
        assertThat(detectAll("GET / HTTP/1.1 x\r\n")).isEqualTo(Detection.TCP);
    }

    @Test
    void binaryProtocolsAreTcpFromTheirFirstByte() {
        // PostgreSQL's SSLRequest; a MySQL-style length-prefixed packet.
        assertThat(detect(new byte[] {0, 0, 0, 8, 4, (byte) 210, 22, 47}, 1)).isEqualTo(Detection.TCP);
        assertThat(detect(new byte[] {(byte) 0x85, (byte) 0xa6, 3, 0}, 1)).isEqualTo(Detection.TCP);
    }

    @Test
    void theHttp2PrefaceIsKnownWhenWhole() {
        byte[] preface = ProtocolDetector.HTTP2_PREFACE;
        for (int n = 1; n < preface.length; n++) {
            assertThat(detect(preface, n)).as("prefix of %d bytes", n).isNull();
        }
        assertThat(detect(preface, preface.length)).isEqualTo(Detection.HTTP2);
        byte[] withFrames = concat(preface, new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0});
        assertThat(detect(withFrames, withFrames.length)).isEqualTo(Detection.HTTP2);
    }

    @Test
    void aTlsClientHelloIsKnownWhenItsRecordIsWholeAndGivesItsServerName() {
        byte[] hello = TlsClientHellos.clientHello("db.payments.example");
        for (int n = 1; n < hello.length; n++) {
            assertThat(detect(hello, n)).as("prefix of %d bytes", n).isNull();
        }
        assertThat(detect(hello, hello.length)).isEqualTo(Detection.tls("db.payments.example"));
        assertThat(detect(TlsClientHellos.clientHello(null), Integer.MAX_VALUE)).isEqualTo(Detection.tls(null));
    }

    @Test
    void theOfferedApplicationProtocolsAreRead() {
        byte[] hello = TlsClientHellos.clientHello("b.example", "outrigger-http/1.1", "outrigger-tcp");
        assertThat(detect(hello, hello.length)).isEqualTo(Detection.tls("b.example", java.util.List.of("outrigger-http/1.1", "outrigger-tcp")));
    }

    @Test
    void aMalformedClientHelloIsStillTlsWithoutAName() {
        byte[] cut = java.util.Arrays.copyOf(TlsClientHellos.clientHello("x.example"), 50);
        cut[3] = 0;
        cut[4] = 45;   // a record that ends in the middle of the ClientHello
        assertThat(detect(cut, cut.length)).isEqualTo(Detection.tls(null));
        byte[] notHello = TlsClientHellos.clientHello("x.example");
        notHello[5] = 2;   // a ServerHello where a ClientHello belongs
        assertThat(detect(notHello, notHello.length)).isEqualTo(Detection.tls(null));
    }

    /** A client-first protocol whose greeting no HTTP method begins is TCP from its first bytes, with no wait. */
    @Test
    void wordsNoRegisteredMethodBeginsAreTcpAtOnce() {
        assertThat(detect(ascii("hello"), 1)).as("lowercase: methods are case-sensitive").isEqualTo(Detection.TCP);
        assertThat(detect(ascii("PING"), 4)).as("P could begin POST, PI nothing").isEqualTo(Detection.TCP);
        assertThat(detect(ascii("PO"), 2)).as("could still be POST").isNull();
        assertThat(detect(ascii("GETS / HTTP/1.1\r\n"), 16)).isEqualTo(Detection.TCP);
        assertThat(detect(ascii("GET "), 4)).as("a whole method: wait for the line").isNull();
        assertThat(detect(ascii("MKCO "), 5)).as("a method's prefix is not a method").isEqualTo(Detection.TCP);
        assertThat(detectAll("QUERY /search HTTP/1.1\r\n")).isEqualTo(Detection.HTTP1);
        assertThat(detectAll("VERSION-CONTROL /r HTTP/1.1\r\n")).isEqualTo(Detection.HTTP1);
        assertThat(ProtocolDetector.undecided(Unpooled.wrappedBuffer(ascii("hi")))).as("stalled, not HTTP").isEqualTo(Detection.TCP);
        assertThat(ProtocolDetector.undecided(Unpooled.wrappedBuffer(ascii("DELE")))).isEqualTo(Detection.HTTP1);
    }

    @Test
    void anOverlongRequestLineThatStartedLikeHttpGoesToHttpToBeRefused() {
        String line = "GET /" + "a".repeat(300);
        assertThat(ProtocolDetector.detect(Unpooled.wrappedBuffer(ascii(line)), 256)).isEqualTo(Detection.HTTP1);
        assertThat(ProtocolDetector.detect(Unpooled.wrappedBuffer(ascii("A".repeat(300))), 256)).isEqualTo(Detection.TCP);
    }

    @Test
    void detectionDoesNotConsume() {
        ByteBuf buffer = Unpooled.wrappedBuffer(ascii("GET / HTTP/1.1\r\n"));
        ProtocolDetector.detect(buffer, MAX_LINE);
        assertThat(buffer.readerIndex()).isZero();
    }

    static Detection detect(byte[] bytes, int length) {
        return ProtocolDetector.detect(Unpooled.wrappedBuffer(bytes, 0, Math.min(length, bytes.length)), MAX_LINE);
    }

    static Detection detectAll(String text) {
        byte[] bytes = ascii(text);
        return detect(bytes, bytes.length);
    }

    static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    static int indexOf(byte[] bytes, char c) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == c) {
                return i;
            }
        }
        return -1;
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] both = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }
}
