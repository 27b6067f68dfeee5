package io.outrigger.injection;

/** A pod that cannot be injected as it is: the message names the field and what is wrong with it. */
public final class InjectionException extends Exception {

    public InjectionException(String message) {
        super(message);
    }
}
