package dev.weft.config.model;

/** Istio {@code Headers}: manipulations applied to the request (before forwarding) and the response. */
public record Headers(HeaderOperations request, HeaderOperations response) {}
