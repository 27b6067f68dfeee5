package io.outrigger.tls;

import java.nio.file.Path;

/** A certificate, key or trust bundle that cannot serve as the pod's identity, and why. */
public final class IdentityException extends RuntimeException {

    IdentityException(Path file, String reason) {
        super(file + " " + reason);
    }

    IdentityException(String message) {
        super(message);
    }
}
