package dev.weft.config.model;

import java.util.List;

/**
 * Istio {@code ServiceEntry.spec}. Endpoints come from {@code endpoints} or, with {@code workloadSelector}, from
 * the WorkloadEntries in the same namespace whose labels match (never both).
 */
public record ServiceEntrySpec(List<String> hosts, List<String> addresses, List<ServicePort> ports,
                               Location location, Resolution resolution, List<WorkloadEntrySpec> endpoints,
                               WorkloadSelector workloadSelector, List<String> exportTo,
                               List<String> subjectAltNames) {
    public enum Location { MESH_EXTERNAL, MESH_INTERNAL }

    public enum Resolution { NONE, STATIC, DNS, DNS_ROUND_ROBIN }

    public ServiceEntrySpec {
        hosts = Immutables.list(hosts);
        addresses = Immutables.list(addresses);
        ports = Immutables.list(ports);
        endpoints = Immutables.list(endpoints);
        exportTo = Immutables.list(exportTo);
        subjectAltNames = Immutables.list(subjectAltNames);
    }

    /** Istio's default: MESH_EXTERNAL. */
    public Location locationOrDefault() {
        return location == null ? Location.MESH_EXTERNAL : location;
    }

    /** Istio's default: NONE. */
    public Resolution resolutionOrDefault() {
        return resolution == null ? Resolution.NONE : resolution;
    }
}
