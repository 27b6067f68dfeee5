package io.outrigger.discovery;

/**
 * Which endpoints a Service's clients in this pod prefer: those in this pod's {@code zone} (when
 * {@code preferSameZone}, or when the Service asks with {@code trafficDistribution}), or those an
 * EndpointSlice's topology hints give this zone. When fewer than {@code failoverPercent} of the
 * zone's endpoints are ready, none is preferred, so every zone serves.
 *
 * @param zone this pod's zone; null: unknown, no preference at all
 */
public record Locality(String zone, boolean preferSameZone, int failoverPercent) {

    /** No zone known: every endpoint alike. */
    public static final Locality NONE = new Locality(null, false, 70);
}
