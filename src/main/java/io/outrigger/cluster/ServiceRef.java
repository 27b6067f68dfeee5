package io.outrigger.cluster;

import java.util.regex.Pattern;

/**
 * A route's {@code service:} destination: a Service by {@code name} (in the pod's own namespace)
 * or {@code name.namespace}, and a port of it by number. Its cluster is the one discovery makes
 * for that Service port, whether the Service exists yet or not.
 */
public record ServiceRef(String namespace, String name, int port) {

    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)?");

    /** Null when {@code text} is not {@code name} or {@code name.namespace} in DNS-label form. */
    public static ServiceRef parse(String text, int port, String ownNamespace) {
        if (text == null || !NAME.matcher(text).matches()) {
            return null;
        }
        int dot = text.indexOf('.');
        return dot < 0 ? new ServiceRef(ownNamespace, text, port)
                : new ServiceRef(text.substring(dot + 1), text.substring(0, dot), port);
    }

    /** Istio's name for the cluster of this Service port, as {@link DiscoveredService#clusterName} gives it. */
    public String clusterName(String clusterDomain) {
        return "outbound|" + port + "||" + name + "." + namespace + ".svc." + clusterDomain;
    }

    /** The key discovery feeds this port's endpoints under: {@code namespace/name:#port}, by number. */
    public String feedKey() {
        return namespace + "/" + name + ":#" + port;
    }
}
