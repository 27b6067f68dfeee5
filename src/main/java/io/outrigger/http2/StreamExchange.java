package io.outrigger.http2;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.outrigger.pipeline.HopByHop;
import io.outrigger.pipeline.ProxyExchange;
import io.outrigger.snapshot.Snapshot;
import io.outrigger.upstream.BodyAggregator;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * An exchange whose downstream is one HTTP/2 stream: the request body is read from the stream as
 * it is asked for, and the response goes down as a HEADERS frame, DATA frames and, when the
 * upstream sent trailers (gRPC's status), a last HEADERS frame. A gRPC request's local reply is
 * a trailers-only response carrying the gRPC status, which is what a gRPC client reads.
 */
final class StreamExchange extends ProxyExchange {

    private static final DefaultHttpHeadersFactory UNVALIDATED =
            DefaultHttpHeadersFactory.headersFactory().withValidation(false);

    private final Channel stream;
    private final StreamBody body;
    private final boolean http2Upstream;
    private final HttpHeaders responseHeaders = UNVALIDATED.newHeaders();
    private boolean headersSent;
    private ResponseWriter writer;
    private long lastActivity = System.nanoTime();

    StreamExchange(StreamContext context, Channel stream, String method, String path, HttpHeaders headers,
            Snapshot snapshot, StreamBody body) {
        super(context.direction(), method, path, headers, snapshot, context.loop(), context.scheduler(),
                context.originalDestination());
        this.stream = stream;
        this.body = body;
        // A sidecar that carried an HTTP/1.1 request as HTTP/2 asks for HTTP/1.1 to the application.
        this.http2Upstream = context.http2Upstream() && !(context.peer() != null && headers.contains(HopByHop.CARRIED_HTTP1));
        if (http2Upstream && headers.containsValue(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS, true)) {
            // The one TE value HTTP/2 allows, and what a gRPC server checks for: kept for the HTTP/2 upstream.
            upstreamHeaders().set(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS);
        }
    }

    StreamBody body() {
        return body;
    }

    /** A frame came or went on the stream: the stream idle clock starts again. */
    void touch() {
        lastActivity = System.nanoTime();
    }

    long lastActivity() {
        return lastActivity;
    }

    @Override
    public Mono<ByteBuf> receiveWholeBody() {
        return BodyAggregator.aggregate(body);
    }

    @Override
    public Flux<ByteBuf> receiveBody() {
        return Flux.from(body);
    }

    @Override
    public Mono<Void> sendResponse(int status, Publisher<ByteBuf> content) {
        return Mono.create(sink -> {
            ResponseWriter current = new ResponseWriter(this, status, sink);
            writer = current;
            sink.onCancel(current::dispose);
            content.subscribe(current);
        });
    }

    @Override
    public String protocol() {
        return "HTTP/2";
    }

    @Override
    public boolean http2() {
        return true;
    }

    @Override
    public boolean upstreamHttp2() {
        return http2Upstream;
    }

    @Override
    public HttpHeaders responseHeaders() {
        return responseHeaders;
    }

    @Override
    public boolean responseStarted() {
        return headersSent;
    }

    @Override
    protected Mono<Void> writeLocalReply(int status, byte[] text) {
        if (grpc()) {
            return sent(trailersOnly(text));
        }
        responseHeaders.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, text.length);
        if ("HEAD".equals(method())) {
            return sent(writeHead(status, true, true));   // the length it would have, and no body
        }
        writeHead(status, false, false);
        return sent(stream.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(text), true)));
    }

    /**
     * gRPC's form of an error: one HEADERS frame ending the stream, HTTP 200, the status and the
     * message (percent-encoded, as the gRPC spec asks) where trailers would be.
     */
    private ChannelFuture trailersOnly(byte[] text) {
        Http2Headers head = new DefaultHttp2Headers(false).status("200")
                .set(HttpHeaderNames.CONTENT_TYPE, "application/grpc")
                .setInt("grpc-status", grpcStatus())
                .set("grpc-message", grpcMessage(new String(text, StandardCharsets.UTF_8).strip()));
        headersSent = true;
        return stream.writeAndFlush(new DefaultHttp2HeadersFrame(head, true));
    }

    /** Percent-encodes all but printable ASCII, as the gRPC spec asks of {@code grpc-message}. */
    static String grpcMessage(String message) {
        StringBuilder out = new StringBuilder(message.length());
        for (byte b : message.getBytes(StandardCharsets.UTF_8)) {
            if (b >= 0x20 && b <= 0x7e && b != '%') {
                out.append((char) b);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16)))
                        .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
            }
        }
        return out.toString();
    }

    /** Resets the stream: the client learns the response is broken; the connection's other streams carry on. */
    @Override
    public void abortDownstream() {
        if (stream.isActive()) {
            stream.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.INTERNAL_ERROR));
        }
    }

    /** Writes the response head once; {@code end} when nothing follows it; flushed or left for the next write's flush. */
    ChannelFuture writeHead(int status, boolean end, boolean flush) {
        headersSent = true;
        DefaultHttp2HeadersFrame head = new DefaultHttp2HeadersFrame(HeaderMapping.response(status, responseHeaders), end);
        return flush ? stream.writeAndFlush(head) : stream.write(head);
    }

    boolean headSent() {
        return headersSent;
    }

    Channel stream() {
        return stream;
    }

    /** The stream can take more: a writer waiting for flow-control credit goes on. */
    void writable() {
        ResponseWriter current = writer;
        if (current != null) {
            current.resume();
        }
    }

    /** Completes when the write is done, or fails with its cause. */
    static Mono<Void> sent(ChannelFuture future) {
        return Mono.create(sink -> future.addListener(f -> {
            if (f.isSuccess()) {
                sink.success();
            } else {
                sink.error(f.cause());
            }
        }));
    }
}
