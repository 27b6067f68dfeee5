package io.outrigger.routing;

import java.util.LinkedHashMap;
import java.util.Map;

import io.netty.handler.codec.http.HttpHeaders;
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

    static RequestMatcher compile(OutriggerProperties.Match match) {
        Map<String, StringMatcher> headers = new LinkedHashMap<>();
        match.headers().forEach((name, value) -> headers.put(name, StringMatcher.compile(value)));
        return new RequestMatcher(
                match.uri() == null ? null : StringMatcher.compile(match.uri()),
                match.method(),
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
