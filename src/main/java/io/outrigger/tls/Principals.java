package io.outrigger.tls;

import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import io.outrigger.common.Problems;

/** A compiled list of SPIFFE ID patterns: exact IDs, or globs where {@code *} is any characters. */
public final class Principals {

    private final List<Predicate<String>> matchers;

    private Principals(List<Predicate<String>> matchers) {
        this.matchers = matchers;
    }

    /** Reports each entry of {@code patterns} that is not a SPIFFE ID or glob, by its index under {@code path}. */
    public static void check(List<String> patterns, String path, Problems problems) {
        for (int i = 0; i < patterns.size(); i++) {
            String principal = patterns.get(i);
            if (principal == null || principal.isBlank() || principal.chars().anyMatch(Character::isWhitespace)
                    || !(principal.startsWith("spiffe://") || principal.equals("*"))) {
                problems.add(path + "[" + i + "]", "'" + principal + "' is not a SPIFFE ID (spiffe://trust-domain/path, * allowed)");
            }
        }
    }

    public static Principals of(List<String> patterns) {
        return new Principals(patterns.stream().map(Principals::matcher).toList());
    }

    public boolean isEmpty() {
        return matchers.isEmpty();
    }

    /**
     * The authorization decision for a caller, over HTTP and TCP alike: an empty list allows
     * everyone; otherwise {@code id} (null: a caller with no mTLS identity) must match.
     */
    public boolean allows(String id) {
        return isEmpty() || matches(id);
    }

    /** Whether {@code id} (null: a peer with no identity) matches one of the patterns. */
    public boolean matches(String id) {
        if (id == null) {
            return false;
        }
        for (Predicate<String> matcher : matchers) {
            if (matcher.test(id)) {
                return true;
            }
        }
        return false;
    }

    private static Predicate<String> matcher(String pattern) {
        if (pattern.indexOf('*') < 0) {
            return pattern::equals;
        }
        StringBuilder regex = new StringBuilder();
        String[] parts = pattern.split("\\*", -1);
        for (int i = 0; i < parts.length; i++) {
            if (i > 0) {
                regex.append(".*");
            }
            regex.append(Pattern.quote(parts[i]));
        }
        return Pattern.compile(regex.toString()).asMatchPredicate();
    }
}
