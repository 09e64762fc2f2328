package dev.weft.config.model;

/** Istio {@code HTTPMirrorPolicy} (the {@code mirrors} list): a share of requests copied to another destination. */
public record HttpMirrorPolicy(Destination destination, Percent percentage) {}
