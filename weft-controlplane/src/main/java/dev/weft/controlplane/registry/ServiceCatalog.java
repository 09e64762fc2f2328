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
    // host -> service port -> SPIFFE IDs its servers may present (sorted, so equal sets give equal clusters)
    private final Map<String, Map<Integer, List<String>>> serviceAccounts;

    ServiceCatalog(Map<String, MeshService> services, Map<String, Map<Integer, List<WorkloadEndpoint>>> endpoints) {
        this(services, endpoints, Map.of());
    }

    /**
     * @param declaredSans per host, identities a ServiceEntry's {@code subjectAltNames} declare for all its ports
     */
    ServiceCatalog(Map<String, MeshService> services, Map<String, Map<Integer, List<WorkloadEndpoint>>> endpoints,
                   Map<String, java.util.Set<String>> declaredSans) {
        this.services = java.util.Collections.unmodifiableNavigableMap(new TreeMap<>(services));
        Map<String, Map<Integer, List<WorkloadEndpoint>>> copy = new TreeMap<>();
        endpoints.forEach((host, byPort) -> {
            Map<Integer, List<WorkloadEndpoint>> ports = new TreeMap<>();
            byPort.forEach((port, list) -> ports.put(port, list.stream().sorted(ENDPOINT_ORDER).toList()));
            copy.put(host, java.util.Collections.unmodifiableMap(ports));
        });
        this.endpoints = java.util.Collections.unmodifiableMap(copy);
        Map<String, Map<Integer, List<String>>> accounts = new TreeMap<>();
        for (MeshService s : this.services.values()) {
            Map<Integer, List<String>> byPort = new TreeMap<>();
            for (MeshService.Port p : s.ports()) {
                java.util.TreeSet<String> ids = new java.util.TreeSet<>(declaredSans.getOrDefault(s.host(), java.util.Set.of()));
                for (WorkloadEndpoint e : endpoints(s.host(), p.number())) {
                    if (e.serviceAccount() != null) {
                        ids.add(e.serviceAccount());
                    }
                }
                if (!ids.isEmpty()) {
                    byPort.put(p.number(), List.copyOf(ids));
                }
            }
            if (!byPort.isEmpty()) {
                accounts.put(s.host(), java.util.Collections.unmodifiableMap(byPort));
            }
        }
        this.serviceAccounts = java.util.Collections.unmodifiableMap(accounts);
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

    /**
     * Istio's service accounts of a service port: the SPIFFE IDs its endpoints run as, plus a ServiceEntry's
     * {@code subjectAltNames}; sorted, empty when none is known. A client accepts exactly these from the server.
     */
    public List<String> serviceAccounts(String host, int port) {
        var byPort = serviceAccounts.get(host);
        return byPort == null ? List.of() : byPort.getOrDefault(port, List.of());
    }
}
