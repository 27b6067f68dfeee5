/**
 * The small vocabulary every other package may import and that imports none of them: which way a
 * request travels ({@link io.outrigger.common.Direction}) and Envoy's response flags
 * ({@link io.outrigger.common.ResponseFlag}). Kept here so that listeners, TLS, TCP relaying and
 * telemetry can speak of an outcome without depending on the HTTP pipeline.
 */
package io.outrigger.common;
