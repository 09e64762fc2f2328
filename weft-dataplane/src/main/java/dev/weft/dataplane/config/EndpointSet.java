package dev.weft.dataplane.config;

import java.util.List;

/** The endpoints of one cluster (a ClusterLoadAssignment). */
public record EndpointSet(String clusterName, List<Endpoint> endpoints) {
    public EndpointSet {
        endpoints = List.copyOf(endpoints);
    }
}
