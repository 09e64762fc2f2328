package dev.weft.config.model;

/**
 * Istio's mesh-wide settings ({@code MeshConfig}, which Istio reads from the {@code istio} ConfigMap), written as a
 * resource of Weft's config directory: {@code apiVersion: weft.dev/v1alpha1, kind: MeshConfig}. Only the fields
 * Weft applies are modelled ({@link MeshConfigSpec}); at most one per config set.
 */
public record MeshConfigResource(ResourceMeta meta, MeshConfigSpec spec) implements IstioResource {}
