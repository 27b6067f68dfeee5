package io.outrigger.pipeline;

import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.outrigger.common.ResponseFlag;

/**
 * What has become of an exchange so far: the status and flags of its response, the endpoint it
 * reached, its retries and byte counts. Filters write it as the exchange goes; when it ends,
 * telemetry reads it once. Confined to the exchange's event loop, like the exchange.
 */
public abstract class ExchangeOutcome {

    private String upstreamHost;
    private int status;
    private int flags;
    private int grpcStatus = -1;
    private int retries;
    private int ejections;
    private boolean retryRefused;
    private long bytesReceived;
    private long bytesSent;
    private GrpcFrames requestMessages;
    private GrpcFrames responseMessages;
    private List<Runnable> beforeCommit;
    private boolean responseComplete;

    public String upstreamHost() {
        return upstreamHost;
    }

    public void upstreamHost(String upstreamHost) {
        this.upstreamHost = upstreamHost;
    }

    /** The status sent downstream; 0 while none was. */
    public int status() {
        return status;
    }

    public void status(int status) {
        this.status = status;
    }

    public void addFlag(ResponseFlag flag) {
        flags |= flag.bit();
    }

    public boolean hasFlag(ResponseFlag flag) {
        return (flags & flag.bit()) != 0;
    }

    public String flags() {
        return ResponseFlag.format(flags);
    }

    /** The flags as a bit set, for lookups that must not build a string. */
    public int flagBits() {
        return flags;
    }

    /** The gRPC status the response carried in its headers, or -1. */
    public int grpcStatus() {
        return grpcStatus;
    }

    public void grpcStatus(int grpcStatus) {
        this.grpcStatus = grpcStatus;
    }

    public int retries() {
        return retries;
    }

    public void retried() {
        retries++;
    }

    /** Endpoints this exchange's answers got ejected by outlier detection (0 or 1, nearly always). */
    public int ejections() {
        return ejections;
    }

    public void ejected() {
        ejections++;
    }

    /** Whether a retry was refused because the cluster's retry budget was spent. */
    public boolean retryBudgetRefused() {
        return retryRefused;
    }

    public void refuseRetryByBudget() {
        retryRefused = true;
    }

    /** From now on, the gRPC messages of both bodies are counted (a gRPC exchange's). */
    protected void countGrpcMessages() {
        requestMessages = new GrpcFrames();
        responseMessages = new GrpcFrames();
    }

    /** A buffer of the request body went on upstream: its bytes, and its gRPC messages, count. */
    public void requestBodyPassed(ByteBuf buffer) {
        bytesReceived += buffer.readableBytes();
        if (requestMessages != null) {
            requestMessages.scan(buffer);
        }
    }

    /** A buffer of the response body went on downstream. */
    public void responseBodyPassed(ByteBuf buffer) {
        bytesSent += buffer.readableBytes();
        if (responseMessages != null) {
            responseMessages.scan(buffer);
        }
    }

    /** gRPC messages in the request body so far; 0 for any other exchange. */
    public long requestMessages() {
        return requestMessages == null ? 0 : requestMessages.messages();
    }

    public long responseMessages() {
        return responseMessages == null ? 0 : responseMessages.messages();
    }

    public long bytesReceived() {
        return bytesReceived;
    }

    public void addBytesReceived(long bytes) {
        bytesReceived += bytes;
    }

    public long bytesSent() {
        return bytesSent;
    }

    public void addBytesSent(long bytes) {
        bytesSent += bytes;
    }

    /** The whole response, last byte included, has been handed to the downstream connection. */
    public void responseComplete() {
        responseComplete = true;
    }

    public boolean isResponseComplete() {
        return responseComplete;
    }

    /**
     * The exchange was cancelled. Before its response was whole that means the client went away
     * (flag {@code DC}), unless Outrigger ended it itself (the stream idle timeout, flag {@code SI}).
     * Reactor Netty also cancels an exchange once its response is written, which is nothing.
     */
    public void cancelled() {
        if (!responseComplete && !hasFlag(ResponseFlag.SI)) {
            addFlag(ResponseFlag.DC);
        }
    }

    /** Runs {@code action} just before the response status and headers are written downstream. */
    public void beforeCommit(Runnable action) {
        if (beforeCommit == null) {
            beforeCommit = new ArrayList<>(2);
        }
        beforeCommit.add(action);
    }

    /** Called once by whoever writes the response headers. */
    public void commit(int status) {
        this.status = status;
        if (beforeCommit != null) {
            beforeCommit.forEach(Runnable::run);
        }
    }
}
