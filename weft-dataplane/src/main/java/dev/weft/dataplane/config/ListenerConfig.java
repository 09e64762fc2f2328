package dev.weft.dataplane.config;

import dev.weft.dataplane.tls.DownstreamTls;

/**
 * A listener: where to bind and what to run on accepted connections. Only HTTP connection managers exist now;
 * TCP proxying arrives with the protocols issue as another variant.
 */
public record ListenerConfig(String name, String host, int port, HttpConnectionManagerConfig http, DownstreamTls tls) {
    /** A plaintext listener. */
    public ListenerConfig(String name, String host, int port, HttpConnectionManagerConfig http) {
        this(name, host, port, http, null);
    }
}
