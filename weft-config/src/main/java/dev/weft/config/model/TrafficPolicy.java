package dev.weft.config.model;

import java.util.List;

/**
 * Istio {@code TrafficPolicy}. loadBalancer is applied; connectionPool, outlierDetection and tls are parsed and
 * validated but not yet applied.
 */
public record TrafficPolicy(LoadBalancerSettings loadBalancer, ConnectionPoolSettings connectionPool,
                            OutlierDetection outlierDetection, ClientTlsSettings tls,
                            List<PortTrafficPolicy> portLevelSettings) {
    public TrafficPolicy {
        portLevelSettings = Immutables.list(portLevelSettings);
    }

    public record PortTrafficPolicy(PortSelector port, LoadBalancerSettings loadBalancer,
                                    ConnectionPoolSettings connectionPool, OutlierDetection outlierDetection,
                                    ClientTlsSettings tls) {}
}
