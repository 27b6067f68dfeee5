/**
 * The ground every other package may import, and that imports none of them: which way a request
 * travels ({@link io.outrigger.common.Direction}), Envoy's response flags
 * ({@link io.outrigger.common.ResponseFlag}), the meter catalog
 * ({@link io.outrigger.common.MeterCatalog}), the problems a compile step reports
 * ({@link io.outrigger.common.Problems}) and the file watch shared by config and identity files
 * ({@link io.outrigger.common.SettledFiles}). Kept here so that listeners, TLS, TCP relaying and
 * telemetry can speak of an outcome, a meter or a config problem without depending on each other.
 */
package io.outrigger.common;
