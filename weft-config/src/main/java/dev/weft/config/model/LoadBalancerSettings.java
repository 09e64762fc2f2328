package dev.weft.config.model;

import java.time.Duration;

/** Istio {@code LoadBalancerSettings}: at most one of simple / consistentHash. */
public record LoadBalancerSettings(SimpleLb simple, ConsistentHashLb consistentHash, Duration warmupDurationSecs) {
    /** Istio's SimpleLB; UNSPECIFIED behaves as LEAST_REQUEST, LEAST_CONN is Istio's deprecated alias of it. */
    public enum SimpleLb { UNSPECIFIED, LEAST_CONN, RANDOM, PASSTHROUGH, ROUND_ROBIN, LEAST_REQUEST }
}
