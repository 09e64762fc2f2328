package dev.weft.config.model;

import java.time.Duration;

/**
 * Istio {@code ConsistentHashLB}: exactly one hash key (httpHeaderName, httpCookie, useSourceIp,
 * httpQueryParameterName) and at most one of ringHash / maglev; {@code minimumRingSize} is Istio's deprecated
 * spelling of ringHash.minimumRingSize.
 */
public record ConsistentHashLb(String httpHeaderName, HttpCookie httpCookie, Boolean useSourceIp,
                               String httpQueryParameterName, RingHash ringHash, Maglev maglev,
                               Long minimumRingSize) {
    public record HttpCookie(String name, String path, Duration ttl) {}

    public record RingHash(Long minimumRingSize) {}

    public record Maglev(Long tableSize) {}
}
