package io.outrigger.routing;

import java.util.regex.Pattern;

import io.outrigger.config.OutriggerProperties;

/** A compiled exact, prefix, regex (whole value) or present match on a string. */
public sealed interface StringMatcher {

    /** Whether the value matches; a null value (an absent header) matches nothing. */
    boolean matches(String value);

    static StringMatcher compile(OutriggerProperties.StringMatch match) {
        if (match.exact() != null) {
            return new Exact(match.exact());
        }
        if (match.prefix() != null) {
            return new Prefix(match.prefix());
        }
        if (match.regex() != null) {
            return new Regex(Pattern.compile(match.regex()));
        }
        return new Present();
    }

    record Exact(String value) implements StringMatcher {
        @Override
        public boolean matches(String candidate) {
            return value.equals(candidate);
        }
    }

    record Prefix(String prefix) implements StringMatcher {
        @Override
        public boolean matches(String candidate) {
            return candidate != null && candidate.startsWith(prefix);
        }
    }

    record Regex(Pattern pattern) implements StringMatcher {
        @Override
        public boolean matches(String candidate) {
            return candidate != null && pattern.matcher(candidate).matches();
        }
    }

    record Present() implements StringMatcher {
        @Override
        public boolean matches(String candidate) {
            return candidate != null;
        }
    }
}
