package dev.weft.config.model;

/** Istio {@code ServicePort}: protocol is HTTP|HTTPS|GRPC|HTTP2|MONGO|TCP|TLS (case-insensitive in Istio). */
public record ServicePort(Integer number, String protocol, String name, Integer targetPort) {}
