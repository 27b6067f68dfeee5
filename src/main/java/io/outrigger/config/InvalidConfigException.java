package io.outrigger.config;

import java.util.List;

/** A configuration that does not bind or validate; each error names its property. */
public final class InvalidConfigException extends Exception {

    private final List<String> errors;

    public InvalidConfigException(List<String> errors) {
        super(String.join("; ", errors));
        this.errors = List.copyOf(errors);
    }

    public List<String> errors() {
        return errors;
    }
}
