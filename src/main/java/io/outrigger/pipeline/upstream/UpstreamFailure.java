package io.outrigger.pipeline.upstream;

import io.outrigger.common.ResponseFlag;

/**
 * Why no upstream response could be relayed, already in the client's terms: the status, the
 * response flag and the one line of text the local reply carries.
 */
public final class UpstreamFailure extends RuntimeException {

    private final int status;
    private final ResponseFlag flag;

    public UpstreamFailure(int status, ResponseFlag flag, String message, Throwable cause) {
        super(message, cause, false, false);
        this.status = status;
        this.flag = flag;
    }

    public int status() {
        return status;
    }

    public ResponseFlag flag() {
        return flag;
    }
}
