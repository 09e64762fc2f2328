package dev.weft.dataplane.config;

import java.util.Map;

/**
 * One upstream endpoint.
 *
 * @param host an IP address, or a host name in DNS clusters
 * @param healthy false for UNHEALTHY/DRAINING/TIMEOUT endpoints, which receive no traffic
 * @param sidecar true when a Weft proxy fronts the endpoint
 */
public record Endpoint(String host, int port, int weight, boolean healthy, boolean sidecar, Map<String, String> labels) {
    public Endpoint {
        labels = Map.copyOf(labels);
    }

    public String authority() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
