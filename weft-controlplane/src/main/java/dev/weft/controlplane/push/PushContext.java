package dev.weft.controlplane.push;

import dev.weft.config.Hosts;
import dev.weft.config.MeshConfig;
import dev.weft.config.model.DestinationRule;
import dev.weft.config.model.VirtualService;
import dev.weft.controlplane.registry.MeshService;
import dev.weft.controlplane.registry.ServiceCatalog;
import dev.weft.controlplane.registry.WorkloadEndpoint;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;

/**
 * Everything generators read, frozen for one push: the valid MeshConfig, the service catalog, and lookups
 * computed once (VirtualServices bound to each service host). Immutable; shared by all proxies' generation.
 */
public final class PushContext {
    private final long version;
    private final Instant createdAt;
    private final MeshConfig config;
    private final ServiceCatalog catalog;
    private final Map<String, List<VirtualService>> virtualServicesByHost;
    private final NavigableMap<String, MeshService> routeOnlyHosts;
    private final Map<String, DestinationRule> destinationRules; // key: host + " " + client namespace
    private final java.util.Set<String> indexedNamespaces;

    public PushContext(long version, MeshConfig config, ServiceCatalog catalog) {
        this.version = version;
        this.createdAt = Instant.now();
        this.config = config;
        this.catalog = catalog;
        Map<String, List<VirtualService>> vs = new HashMap<>();
        for (String host : catalog.services().keySet()) {
            List<VirtualService> bound = config.virtualServicesFor(host).stream()
                    .filter(PushContext::appliesToSidecars).toList();
            if (!bound.isEmpty()) {
                vs.put(host, bound);
            }
        }
        // VirtualService hosts that name no service (e.g. bookinfo.example.com) still get a virtual host,
        // as in Istio, on the HTTP default port.
        java.util.TreeMap<String, MeshService> routeOnly = new java.util.TreeMap<>();
        for (VirtualService v : config.virtualServices()) {
            if (!appliesToSidecars(v)) {
                continue;
            }
            for (String h : v.spec().hosts()) {
                String host = Hosts.resolve(h, v.meta().namespace());
                if (host.startsWith("*") || catalog.service(host) != null || routeOnly.containsKey(host)) {
                    continue;
                }
                routeOnly.put(host, new MeshService(host, v.meta().namespace(),
                        List.of(new MeshService.Port(80, "http", "HTTP")), MeshService.Resolution.STATIC,
                        "VirtualService " + v.meta().namespacedName()));
                List<VirtualService> bound = config.virtualServicesFor(host).stream()
                        .filter(PushContext::appliesToSidecars).toList();
                vs.put(host, bound);
            }
        }
        this.routeOnlyHosts = java.util.Collections.unmodifiableNavigableMap(routeOnly);
        this.virtualServicesByHost = Map.copyOf(vs);
        Map<String, DestinationRule> dr = new HashMap<>();
        this.indexedNamespaces = namespaces(config, catalog);
        for (MeshService s : catalog.services().values()) {
            for (String ns : indexedNamespaces) {
                DestinationRule rule = config.destinationRuleFor(s.host(), ns);
                if (rule != null) {
                    dr.put(s.host() + " " + ns, rule);
                }
            }
        }
        this.destinationRules = Map.copyOf(dr);
    }

    public static PushContext empty() {
        return new PushContext(0, MeshConfig.EMPTY, ServiceCatalog.EMPTY);
    }

    /** A VirtualService bound to gateways only (no "mesh") does not program sidecars. */
    private static boolean appliesToSidecars(VirtualService v) {
        List<String> gateways = v.spec().gateways();
        return gateways.isEmpty() || gateways.contains("mesh");
    }

    private static java.util.Set<String> namespaces(MeshConfig config, ServiceCatalog catalog) {
        java.util.Set<String> ns = new java.util.TreeSet<>();
        catalog.services().values().forEach(s -> ns.add(s.namespace()));
        config.all().forEach(r -> ns.add(r.meta().namespace()));
        ns.add("default");
        return java.util.Set.copyOf(ns);
    }

    /** Increases with every push; logged and shown in debug output. */
    public long version() {
        return version;
    }

    public Instant createdAt() {
        return createdAt;
    }

    public MeshConfig config() {
        return config;
    }

    public ServiceCatalog catalog() {
        return catalog;
    }

    public NavigableMap<String, MeshService> services() {
        return catalog.services();
    }

    public MeshService service(String host) {
        return catalog.service(host);
    }

    public List<WorkloadEndpoint> endpoints(String host, int port) {
        return catalog.endpoints(host, port);
    }

    /** The SPIFFE IDs servers of a service port may present (see {@link ServiceCatalog#serviceAccounts}). */
    public List<String> serviceAccounts(String host, int port) {
        return catalog.serviceAccounts(host, port);
    }

    /**
     * Hosts of VirtualServices that match no service, as pseudo-services with port 80: they get virtual hosts
     * (so {@code Host: bookinfo.example.com} routes) but no clusters.
     */
    public NavigableMap<String, MeshService> routeOnlyHosts() {
        return routeOnlyHosts;
    }

    /** VirtualServices (sidecar-bound) for a service host, most specific first; empty when none. */
    public List<VirtualService> virtualServices(String host) {
        return virtualServicesByHost.getOrDefault(host, List.of());
    }

    /** The DestinationRule a client in {@code clientNamespace} applies to {@code host}; null when none. */
    public DestinationRule destinationRule(String host, String clientNamespace) {
        if (indexedNamespaces.contains(clientNamespace) && catalog.service(host) != null) {
            return destinationRules.get(host + " " + clientNamespace);
        }
        // A namespace or host not indexed (a proxy in a namespace nothing else uses): look it up directly.
        return config.destinationRuleFor(host, clientNamespace);
    }
}
