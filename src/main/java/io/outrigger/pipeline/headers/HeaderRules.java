package io.outrigger.pipeline.headers;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import io.netty.handler.codec.http.HttpHeaders;
import io.outrigger.common.Problems;
import io.outrigger.config.OutriggerProperties;
import io.outrigger.routing.RoutePolicy;

/** Compiled set/add/remove operations on one side (request or response) of a route's headers. */
public final class HeaderRules {

    private final String[] removeNames;
    private final String[] setNames;
    private final String[] setValues;
    private final String[] addNames;
    private final String[] addValues;

    private HeaderRules(OutriggerProperties.HeaderOperations operations) {
        this.removeNames = operations.remove().toArray(String[]::new);
        this.setNames = operations.set().keySet().toArray(String[]::new);
        this.setValues = operations.set().values().toArray(String[]::new);
        this.addNames = operations.add().keySet().toArray(String[]::new);
        this.addValues = operations.add().values().toArray(String[]::new);
    }

    /** A route's {@code headers.request} rules. */
    public static final RoutePolicy<HeaderRules> REQUEST =
            (route, path, problems) -> compile(route.headers().request(), path + ".headers.request", problems);

    /** A route's {@code headers.response} rules. */
    public static final RoutePolicy<HeaderRules> RESPONSE =
            (route, path, problems) -> compile(route.headers().response(), path + ".headers.response", problems);

    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

    private static HeaderRules compile(OutriggerProperties.HeaderOperations operations, String path, Problems problems) {
        List<String> names = new ArrayList<>(operations.set().keySet());
        names.addAll(operations.add().keySet());
        names.addAll(operations.remove());
        boolean valid = true;
        for (String name : names) {
            if (name == null || !TOKEN.matcher(name).matches()) {
                problems.add(path, "'" + name + "' is not a valid header name");
                valid = false;
            }
        }
        return valid ? compile(operations) : null;
    }

    /** The rules, or null when there are none, so the request path can skip them outright. */
    public static HeaderRules compile(OutriggerProperties.HeaderOperations operations) {
        boolean empty = operations.set().isEmpty() && operations.add().isEmpty() && operations.remove().isEmpty();
        return empty ? null : new HeaderRules(operations);
    }

    /** Removes, then sets, then adds: Envoy's order, so "remove x, add x" yields only the new value. */
    public void apply(HttpHeaders headers) {
        for (String name : removeNames) {
            headers.remove(name);
        }
        for (int i = 0; i < setNames.length; i++) {
            headers.set(setNames[i], setValues[i]);
        }
        for (int i = 0; i < addNames.length; i++) {
            headers.add(addNames[i], addValues[i]);
        }
    }
}
