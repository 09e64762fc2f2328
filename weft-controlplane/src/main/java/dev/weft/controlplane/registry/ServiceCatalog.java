package dev.weft.controlplane.registry;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * An immutable view of every service and endpoint at one moment: the merge of proxy registrations and
 * ServiceEntry/WorkloadEntry declarations. Built by {@link ServiceCatalogBuilder}.
 */
public final class ServiceCatalog {
    private static final Comparator<WorkloadEndpoint> ENDPOINT_ORDER = Comparator
            .comparing(WorkloadEndpoint::address).thenComparingInt(WorkloadEndpoint::port)
            .thenComparing(WorkloadEndpoint::origin);

    private final NavigableMap<String, MeshService> services;
    // host -> service port -> endpoints (sorted)
    private final Map<String, Map<Integer, List<WorkloadEndpoint>>> endpoints;

    ServiceCatalog(Map<String, MeshService> services, Map<String, Map<Integer, List<WorkloadEndpoint>>> endpoints) {
        this.services = java.util.Collections.unmodifiableNavigableMap(new TreeMap<>(services));
        Map<String, Map<Integer, List<WorkloadEndpoint>>> copy = new TreeMap<>();
        endpoints.forEach((host, byPort) -> {
            Map<Integer, List<WorkloadEndpoint>> ports = new TreeMap<>();
            byPort.forEach((port, list) -> ports.put(port, list.stream().sorted(ENDPOINT_ORDER).toList()));
            copy.put(host, java.util.Collections.unmodifiableMap(ports));
        });
        this.endpoints = java.util.Collections.unmodifiableMap(copy);
    }

    public static final ServiceCatalog EMPTY = new ServiceCatalog(Map.of(), Map.of());

    /** All services sorted by host. */
    public NavigableMap<String, MeshService> services() {
        return services;
    }

    public MeshService service(String host) {
        return services.get(host);
    }

    /** Endpoints of one service port, sorted by address and port; empty when none. */
    public List<WorkloadEndpoint> endpoints(String host, int port) {
        var byPort = endpoints.get(host);
        if (byPort == null) {
            return List.of();
        }
        return byPort.getOrDefault(port, List.of());
    }
}
