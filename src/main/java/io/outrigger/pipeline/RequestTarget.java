package io.outrigger.pipeline;


/**
 * The request-target split once into what routing and forwarding need. Handles the origin form
 * ({@code /path?q}, authority from Host) and the absolute form ({@code http://host/path?q}) that
 * clients configured with an HTTP proxy send.
 */
record RequestTarget(String authority, String path, String pathAndQuery, boolean absoluteForm) {

    /**
     * Whether the target has one of the forms a proxy forwards: origin ({@code /path}), absolute
     * ({@code http(s)://host/path}) or asterisk ({@code *}). Anything else ({@code shop/items},
     * {@code =x}) is malformed and is answered 400 here, never passed on for an upstream to choke on.
     */
    boolean valid() {
        if (pathAndQuery.equals("*")) {
            return true;
        }
        if (!pathAndQuery.startsWith("/")) {
            return false;
        }
        return !absoluteForm || authority != null && !authority.isEmpty();
    }

    /** @param host the Host header, or null */
    static RequestTarget of(String uri, String host) {
        String authority = host;
        String pathAndQuery = uri;
        boolean absolute = false;
        int schemeEnd = uri.indexOf("://");
        if (schemeEnd > 0 && uri.charAt(0) != '/' && (uri.startsWith("http://") || uri.startsWith("https://"))) {
            int authorityStart = schemeEnd + 3;
            int pathStart = uri.indexOf('/', authorityStart);
            int queryStart = uri.indexOf('?', authorityStart);
            int end = pathStart < 0 ? (queryStart < 0 ? uri.length() : queryStart) : pathStart;
            authority = uri.substring(authorityStart, end);
            absolute = true;
            pathAndQuery = end == uri.length() ? "/" : uri.charAt(end) == '?' ? "/" + uri.substring(end) : uri.substring(end);
        }
        int query = pathAndQuery.indexOf('?');
        String path = query < 0 ? pathAndQuery : pathAndQuery.substring(0, query);
        return new RequestTarget(authority, path, pathAndQuery, absolute);
    }
}
