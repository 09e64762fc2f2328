package dev.weft.config.model;

/**
 * Istio {@code telemetry.istio.io} Telemetry (v1, v1alpha1): per-workload access logging, tracing and metrics. A
 * resource without a selector in the root namespace is the mesh default, without a selector elsewhere the namespace
 * default, with a selector it applies to the namespace's matching workloads.
 */
public record Telemetry(ResourceMeta meta, TelemetrySpec spec) implements IstioResource {}
