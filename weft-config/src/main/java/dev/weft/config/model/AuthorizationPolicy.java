package dev.weft.config.model;

/** Istio {@code security.istio.io} AuthorizationPolicy: who may call a workload, and how. */
public record AuthorizationPolicy(ResourceMeta meta, AuthorizationPolicySpec spec) implements IstioResource {}
