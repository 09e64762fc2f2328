package dev.weft.config.model;

import java.time.Duration;

/**
 * Istio {@code ConnectionPoolSettings}. Applied: everything but tcp.idleTimeout, http.useClientProtocol and
 * http.maxConcurrentStreams, which are parsed and validated (see docs/config-reference.md).
 */
public record ConnectionPoolSettings(Tcp tcp, Http http) {
    public record Tcp(Integer maxConnections, Duration connectTimeout, TcpKeepalive tcpKeepalive,
                      Duration maxConnectionDuration, Duration idleTimeout) {}

    public record TcpKeepalive(Integer probes, Duration time, Duration interval) {}

    public record Http(Integer http1MaxPendingRequests, Integer http2MaxRequests, Integer maxRequestsPerConnection,
                       Integer maxRetries, Duration idleTimeout, H2UpgradePolicy h2UpgradePolicy,
                       Boolean useClientProtocol, Integer maxConcurrentStreams) {}

    public enum H2UpgradePolicy { DEFAULT, DO_NOT_UPGRADE, UPGRADE }
}
