package dev.weft.dataplane.config;

import dev.weft.dataplane.tls.DownstreamTls;

/**
 * A listener: where to bind and what to run on accepted connections — an HTTP connection manager ({@code http}), a
 * TCP proxy ({@code tcp}), or both with {@code detection} saying how the first bytes choose between them (a port whose
 * protocol is not declared).
 */
public record ListenerConfig(String name, String host, int port, HttpConnectionManagerConfig http, DownstreamTls tls,
                             TcpProxyConfig tcp,
                             java.util.Set<dev.weft.dataplane.telemetry.StandardMetric> disabledMetrics,
                             ProtocolDetection detection) {
    public ListenerConfig {
        if (detection == null ? (http == null) == (tcp == null) : http == null || tcp == null) {
            throw new IllegalArgumentException("listener " + name + " needs exactly one of http and tcp, or both with"
                    + " protocol detection");
        }
        disabledMetrics = disabledMetrics == null ? java.util.Set.of() : java.util.Set.copyOf(disabledMetrics);
    }

    /** Without protocol detection. */
    public ListenerConfig(String name, String host, int port, HttpConnectionManagerConfig http, DownstreamTls tls,
                          TcpProxyConfig tcp,
                          java.util.Set<dev.weft.dataplane.telemetry.StandardMetric> disabledMetrics) {
        this(name, host, port, http, tls, tcp, disabledMetrics, null);
    }

    /** With every standard metric recorded (no Telemetry API metrics override). */
    public ListenerConfig(String name, String host, int port, HttpConnectionManagerConfig http, DownstreamTls tls,
                          TcpProxyConfig tcp) {
        this(name, host, port, http, tls, tcp, java.util.Set.of());
    }

    /** A listener that sniffs each connection: HTTP to {@code http}, anything else to {@code tcp}. */
    public static ListenerConfig detecting(String name, String host, int port, HttpConnectionManagerConfig http,
                                           TcpProxyConfig tcp, ProtocolDetection detection) {
        return new ListenerConfig(name, host, port, http, null, tcp, java.util.Set.of(), detection);
    }

    /** This listener with the standard metrics a Telemetry API override turned off. */
    public ListenerConfig withDisabledMetrics(java.util.Set<dev.weft.dataplane.telemetry.StandardMetric> disabled) {
        return new ListenerConfig(name, host, port, http, tls, tcp, disabled, detection);
    }

    /** The {@link dev.weft.dataplane.telemetry.StandardMetric} bits of the metrics this listener records. */
    public int enabledMetrics() {
        return dev.weft.dataplane.telemetry.StandardMetric.enabledMask(disabledMetrics);
    }

    /** An HTTP listener, with mesh TLS when {@code tls} is non-null. */
    public ListenerConfig(String name, String host, int port, HttpConnectionManagerConfig http, DownstreamTls tls) {
        this(name, host, port, http, tls, null);
    }

    /** A TCP proxy listener, with mesh TLS when {@code tls} is non-null. */
    public static ListenerConfig tcp(String name, String host, int port, TcpProxyConfig tcp, DownstreamTls tls) {
        return new ListenerConfig(name, host, port, null, tls, tcp);
    }

    /** Whether this listener only relays bytes (tcp_proxy), never HTTP requests. */
    public boolean isTcp() {
        return tcp != null && http == null;
    }

    /** A plaintext listener. */
    public ListenerConfig(String name, String host, int port, HttpConnectionManagerConfig http) {
        this(name, host, port, http, null);
    }
}
