package dev.weft.config.model;

/** Istio {@code Percent}: 0.0 to 100.0. */
public record Percent(Double value) {}
