package io.outrigger.routing;

import java.util.LinkedHashMap;
import java.util.Map;

import io.netty.handler.codec.http.HttpHeaders;
import io.outrigger.common.Problems;
import io.outrigger.config.OutriggerProperties;

/** One compiled {@code match} entry: uri, method and headers, all of which must hold. */
public final class RequestMatcher {

    static final RequestMatcher ANY = new RequestMatcher(null, null, new String[0], new StringMatcher[0]);

    private final StringMatcher uri;
    private final String method;
    private final String[] headerNames;
    private final StringMatcher[] headerMatchers;

    private RequestMatcher(StringMatcher uri, String method, String[] headerNames, StringMatcher[] headerMatchers) {
        this.uri = uri;
        this.method = method;
        this.headerNames = headerNames;
        this.headerMatchers = headerMatchers;
    }

    static RequestMatcher compile(OutriggerProperties.Match match, String path, Problems problems) {
        StringMatcher uri = match.uri() == null ? null : StringMatcher.compile(match.uri(), path + ".uri", false, problems);
        if (match.method() != null && !match.method().matches("[A-Z]+")) {
            problems.add(path + ".method", "'" + match.method() + "' is not an upper-case HTTP method");
        }
        Map<String, StringMatcher> headers = new LinkedHashMap<>();
        match.headers().forEach((name, value) ->
                headers.put(name, StringMatcher.compile(value, path + ".headers." + name, true, problems)));
        return new RequestMatcher(uri, match.method(),
                headers.keySet().toArray(String[]::new),
                headers.values().toArray(StringMatcher[]::new));
    }

    /** {@code path} is the request path without its query string. */
    boolean matches(String method, String path, HttpHeaders headers) {
        if (this.method != null && !this.method.equals(method)) {
            return false;
        }
        if (uri != null && !uri.matches(path)) {
            return false;
        }
        for (int i = 0; i < headerNames.length; i++) {
            if (!headerMatchers[i].matches(headers.get(headerNames[i]))) {
                return false;
            }
        }
        return true;
    }
}
