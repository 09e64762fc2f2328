package dev.weft.config.model;

/** Istio {@code HTTPMirrorPolicy} (the {@code mirrors} list). Parsed, not yet applied. */
public record HttpMirrorPolicy(Destination destination, Percent percentage) {}
