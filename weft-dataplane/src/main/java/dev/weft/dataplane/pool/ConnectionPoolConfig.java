package dev.weft.dataplane.pool;

import java.time.Duration;

/**
 * How a cluster's upstream connections are kept, from Envoy's cluster fields (Istio {@code connectionPool}).
 *
 * @param idleTimeout an upstream connection with no request for this long is closed
 *     ({@code common_http_protocol_options.idle_timeout}; default 60 s; zero: never)
 * @param maxRequestsPerConnection a connection is closed (HTTP/1.1) or drained (HTTP/2) after carrying this many
 *     requests ({@code common_http_protocol_options.max_requests_per_connection}; 0: no limit)
 * @param maxConnectionDuration a connection older than this takes no new request and closes once idle
 *     ({@code common_http_protocol_options.max_connection_duration}; null: no limit)
 * @param keepalive TCP keepalive probes on upstream sockets ({@code upstream_connection_options.tcp_keepalive}),
 *     null for the operating system's default (off)
 */
public record ConnectionPoolConfig(Duration idleTimeout, int maxRequestsPerConnection, Duration maxConnectionDuration,
                                   TcpKeepalive keepalive) {
    /** Weft's idle timeout for upstream connections when the cluster sets none (Envoy's is 1 h). */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
    public static final ConnectionPoolConfig DEFAULT = new ConnectionPoolConfig(DEFAULT_IDLE_TIMEOUT, 0, null, null);

    /**
     * {@code SO_KEEPALIVE} with Linux's {@code TCP_KEEPCNT}/{@code TCP_KEEPIDLE}/{@code TCP_KEEPINTVL}; a value of 0
     * keeps the kernel's default for that setting.
     */
    public record TcpKeepalive(int probes, int timeSeconds, int intervalSeconds) {}
}
