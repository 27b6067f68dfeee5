package io.outrigger.routing;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import io.outrigger.common.Problems;
import io.outrigger.config.OutriggerProperties;

/** A compiled exact, prefix, regex (whole value) or present match on a string. */
public sealed interface StringMatcher {

    /** Whether the value matches; a null value (an absent header) matches nothing. */
    boolean matches(String value);

    /**
     * Compiles a match at {@code path}: exactly one kind set ({@code present} only where
     * {@code presentAllowed}), a regex that compiles. Null when it has problems, each reported.
     */
    static StringMatcher compile(OutriggerProperties.StringMatch match, String path, boolean presentAllowed, Problems problems) {
        int set = (match.exact() != null ? 1 : 0) + (match.prefix() != null ? 1 : 0) + (match.regex() != null ? 1 : 0)
                + (match.present() != null ? 1 : 0);
        if (set != 1 || !presentAllowed && match.present() != null) {
            problems.add(path, "exactly one of " + (presentAllowed ? "exact, prefix, regex or present" : "exact, prefix or regex")
                    + " must be set");
            return null;
        }
        if (match.exact() != null) {
            return new Exact(match.exact());
        }
        if (match.prefix() != null) {
            return new Prefix(match.prefix());
        }
        if (match.regex() != null) {
            try {
                return new Regex(Pattern.compile(match.regex()));
            } catch (PatternSyntaxException e) {
                problems.add(path + ".regex", "invalid regular expression: " + e.getDescription() + " near index " + e.getIndex());
                return null;
            }
        }
        if (!match.present()) {
            problems.add(path + ".present", "only 'present: true' is supported");
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
