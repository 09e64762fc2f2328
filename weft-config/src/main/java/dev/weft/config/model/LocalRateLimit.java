package dev.weft.config.model;

/**
 * Weft's {@code weft.dev/v1alpha1} LocalRateLimit: token buckets that a workload's own sidecar applies to the
 * requests it accepts (Istio has no first-class rate-limit resource; this one is Weft's).
 */
public record LocalRateLimit(ResourceMeta meta, LocalRateLimitSpec spec) implements IstioResource {}
