package dev.weft.config.model;

/**
 * Istio {@code istio.type.v1beta1.PolicyTargetReference}: the resource a policy attaches to instead of a
 * {@code selector}. Weft applies {@code kind: Service} (core group) to the workloads serving that service.
 */
public record PolicyTargetReference(String group, String kind, String name, String namespace) {}
