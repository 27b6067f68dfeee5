package io.outrigger.config;

import java.util.List;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * Binds a fresh {@link OutriggerProperties} from the environment as it is now. A value that
 * does not convert (an unparsable duration, a word where a number belongs) is reported like a
 * validation error, naming the property.
 */
public final class ConfigBinding {

    private ConfigBinding() {
    }

    /** The tree as bound, valid or not, or all defaults when it does not even bind. */
    public static OutriggerProperties bindOrDefaults(Environment environment) {
        try {
            return bind(environment);
        } catch (InvalidConfigException e) {
            return new Binder().bindOrCreate("outrigger", OutriggerProperties.class);
        }
    }

    /**
     * The pod's identity alone: a mistake elsewhere in the tree must not turn the identity labels
     * into "unknown" for the life of the process.
     */
    public static OutriggerProperties.Identity identity(Environment environment) {
        try {
            return Binder.get(environment).bindOrCreate("outrigger.identity", OutriggerProperties.Identity.class);
        } catch (BindException e) {
            return new Binder().bindOrCreate("outrigger.identity", OutriggerProperties.Identity.class);
        }
    }

    /** Where the pod's identity files are, read once at start (their contents rotate, their paths do not). */
    public static OutriggerProperties.Tls tls(Environment environment) {
        try {
            return Binder.get(environment).bindOrCreate("outrigger.tls", OutriggerProperties.Tls.class);
        } catch (BindException e) {
            return new OutriggerProperties.Tls(null, null, null);
        }
    }

    public static OutriggerProperties bind(Environment environment) throws InvalidConfigException {
        try {
            return Binder.get(environment).bindOrCreate("outrigger", OutriggerProperties.class);
        } catch (BindException e) {
            String property = e.getProperty() != null ? e.getProperty().getName().toString() : e.getName().toString();
            Object value = e.getProperty() != null ? e.getProperty().getValue() : null;
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            String reason = value != null ? "cannot use '" + value + "': " + root.getMessage() : root.getMessage();
            throw new InvalidConfigException(List.of(property + ": " + reason));
        }
    }
}
