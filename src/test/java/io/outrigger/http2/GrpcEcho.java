package io.outrigger.http2;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;

/**
 * A real gRPC server (grpc-java on its own Netty) with one service, {@code test.Echo}, whose
 * messages are UTF-8 strings: no generated code is needed to call it.
 */
final class GrpcEcho implements AutoCloseable {

    static final MethodDescriptor<String, String> UNARY = method("Unary", MethodDescriptor.MethodType.UNARY);
    static final MethodDescriptor<String, String> SERVER_STREAM = method("ServerStream", MethodDescriptor.MethodType.SERVER_STREAMING);
    static final MethodDescriptor<String, String> CLIENT_STREAM = method("ClientStream", MethodDescriptor.MethodType.CLIENT_STREAMING);
    static final MethodDescriptor<String, String> BIDI = method("Bidi", MethodDescriptor.MethodType.BIDI_STREAMING);

    private final String name;
    private final Server server;
    final AtomicInteger calls = new AtomicInteger();
    /** Calls of {@code Unary} still to be answered UNAVAILABLE. */
    final AtomicInteger unavailable = new AtomicInteger();

    private GrpcEcho(String name) throws IOException {
        this.name = name;
        ServerServiceDefinition service = ServerServiceDefinition.builder("test.Echo")
                .addMethod(UNARY, ServerCalls.asyncUnaryCall(this::unary))
                .addMethod(SERVER_STREAM, ServerCalls.asyncServerStreamingCall((request, out) -> {
                    calls.incrementAndGet();
                    int n = Integer.parseInt(request);
                    for (int i = 1; i <= n; i++) {
                        out.onNext(name + ":" + i);
                    }
                    out.onCompleted();
                }))
                .addMethod(CLIENT_STREAM, ServerCalls.asyncClientStreamingCall(out -> new Collect(out)))
                .addMethod(BIDI, ServerCalls.asyncBidiStreamingCall(out -> new StreamObserver<String>() {
                    @Override
                    public void onNext(String value) {
                        out.onNext(name + ":" + value);
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                        out.onCompleted();
                    }
                }))
                .build();
        this.server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(service).build().start();
    }

    static GrpcEcho start(String name) {
        try {
            return new GrpcEcho(name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void unary(String request, StreamObserver<String> out) {
        calls.incrementAndGet();
        if (unavailable.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            out.onError(Status.UNAVAILABLE.withDescription(name + " is not ready").asRuntimeException());
            return;
        }
        if (request.startsWith("sleep ")) {
            try {
                Thread.sleep(Long.parseLong(request.substring(6)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (request.startsWith("fail ")) {
            out.onError(Status.INVALID_ARGUMENT.withDescription(request.substring(5)).asRuntimeException());
            return;
        }
        out.onNext(name + ":" + request);
        out.onCompleted();
    }

    /** Client streaming: answers with what it received, joined, once the client is done. */
    private final class Collect implements StreamObserver<String> {
        private final StreamObserver<String> out;
        private final StringBuilder seen = new StringBuilder();

        Collect(StreamObserver<String> out) {
            this.out = out;
            calls.incrementAndGet();
        }

        @Override
        public void onNext(String value) {
            seen.append(value);
        }

        @Override
        public void onError(Throwable t) {
        }

        @Override
        public void onCompleted() {
            out.onNext(name + ":" + seen);
            out.onCompleted();
        }
    }

    String name() {
        return name;
    }

    int port() {
        return server.getPort();
    }

    String endpoint() {
        return "127.0.0.1:" + port();
    }

    /** Stops accepting calls: open connections get GOAWAY, calls in flight finish. */
    void shutdownGracefully() {
        server.shutdown();
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private static MethodDescriptor<String, String> method(String name, MethodDescriptor.MethodType type) {
        return MethodDescriptor.<String, String>newBuilder()
                .setType(type)
                .setFullMethodName(MethodDescriptor.generateFullMethodName("test.Echo", name))
                .setRequestMarshaller(Utf8.INSTANCE)
                .setResponseMarshaller(Utf8.INSTANCE)
                .build();
    }

    private enum Utf8 implements MethodDescriptor.Marshaller<String> {
        INSTANCE;

        @Override
        public InputStream stream(String value) {
            return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
