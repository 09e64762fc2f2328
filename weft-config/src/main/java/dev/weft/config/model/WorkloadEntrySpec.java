package dev.weft.config.model;

import java.util.Map;

/**
 * Istio {@code WorkloadEntry.spec}, also the shape of a ServiceEntry endpoint. {@code ports} maps a service port
 * name to this workload's port; a missing entry means the service port's targetPort or number.
 */
public record WorkloadEntrySpec(String address, Map<String, Integer> ports, Map<String, String> labels,
                                String network, String locality, Integer weight, String serviceAccount) {
    public WorkloadEntrySpec {
        ports = Immutables.map(ports);
        labels = Immutables.map(labels);
    }
}
