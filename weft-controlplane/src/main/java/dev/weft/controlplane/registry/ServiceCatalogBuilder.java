package dev.weft.controlplane.registry;

import dev.weft.config.Hosts;
import dev.weft.config.MeshConfig;
import dev.weft.config.model.ServiceEntry;
import dev.weft.config.model.ServiceEntrySpec;
import dev.weft.config.model.ServicePort;
import dev.weft.config.model.WorkloadEntry;
import dev.weft.config.model.WorkloadEntrySpec;
import dev.weft.controlplane.proxy.ProxyNode;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** Merges proxy registrations and ServiceEntry/WorkloadEntry declarations into a {@link ServiceCatalog}. */
public final class ServiceCatalogBuilder {
    private final Map<String, MeshService> services = new TreeMap<>();
    private final Map<String, Map<Integer, List<WorkloadEndpoint>>> endpoints = new TreeMap<>();
    private final Map<String, java.util.Set<String>> declaredSans = new TreeMap<>();
    private final String trustDomain;

    private ServiceCatalogBuilder(String trustDomain) {
        this.trustDomain = trustDomain;
    }

    /** As {@link #build(MeshConfig, Collection, String)} in Istio's default trust domain {@code cluster.local}. */
    public static ServiceCatalog build(MeshConfig config, Collection<ProxyNode> proxies) {
        return build(config, proxies, "cluster.local");
    }

    /**
     * @param trustDomain the CA's trust domain: service accounts of endpoints become SPIFFE IDs in it
     */
    public static ServiceCatalog build(MeshConfig config, Collection<ProxyNode> proxies, String trustDomain) {
        ServiceCatalogBuilder b = new ServiceCatalogBuilder(trustDomain);
        for (ProxyNode proxy : proxies) {
            b.addProxy(proxy);
        }
        for (ServiceEntry se : config.serviceEntries()) {
            b.addServiceEntry(config, se);
        }
        return new ServiceCatalog(b.services, b.endpoints, b.declaredSans);
    }

    private void addProxy(ProxyNode proxy) {
        if (!proxy.servesInbound()) {
            return;
        }
        int servicePort = proxy.servicePort() > 0 ? proxy.servicePort() : proxy.appPort();
        String protocol = proxy.appProtocol().toUpperCase(Locale.ROOT);
        MeshService.Port port = new MeshService.Port(servicePort, proxy.appProtocol().toLowerCase(Locale.ROOT)
                + "-" + servicePort, protocol);
        mergeService(new MeshService(proxy.serviceHost(), proxy.namespace(), List.of(port),
                MeshService.Resolution.STATIC, "proxies"));
        addEndpoint(new WorkloadEndpoint(proxy.serviceHost(), servicePort, proxy.address(), proxy.inboundPort(),
                proxy.labels(), true, 1, "proxy " + proxy.id(),
                // the registry holds a service account only when the xDS stream's certificate proved it
                proxy.serviceAccount().isEmpty() ? null
                        : WorkloadEndpoint.spiffeId(trustDomain, proxy.namespace(), proxy.serviceAccount())));
    }

    /**
     * Istio's protocol selection: the explicit protocol, else the port name's prefix ({@code http-}, {@code http2-},
     * {@code grpc-}, {@code tcp-}, ... or the bare name), else {@link MeshService.Port#AUTO}: detected per connection.
     */
    static String protocolOf(String protocol, String portName) {
        if (protocol != null && !protocol.isBlank()) {
            return protocol.toUpperCase(Locale.ROOT);
        }
        String name = portName == null ? "" : portName.toLowerCase(Locale.ROOT);
        int dash = name.indexOf('-');
        String prefix = dash < 0 ? name : name.substring(0, dash);
        return switch (prefix) {
            case "http", "http2", "grpc", "https", "tls", "mongo", "redis", "mysql", "tcp" ->
                    prefix.toUpperCase(Locale.ROOT);
            default -> MeshService.Port.AUTO;
        };
    }

    private void addServiceEntry(MeshConfig config, ServiceEntry se) {
        ServiceEntrySpec spec = se.spec();
        String ns = se.meta().namespace();
        String origin = "ServiceEntry " + se.meta().namespacedName();
        MeshService.Resolution resolution = switch (spec.resolutionOrDefault()) {
            case DNS, DNS_ROUND_ROBIN -> MeshService.Resolution.DNS;
            case STATIC, NONE -> MeshService.Resolution.STATIC;
        };
        List<MeshService.Port> ports = new ArrayList<>();
        for (ServicePort p : spec.ports()) {
            ports.add(new MeshService.Port(p.number(), p.name() == null ? "" : p.name(),
                    protocolOf(p.protocol(), p.name())));
        }
        // Workloads: inline endpoints, else the WorkloadEntries the selector picks.
        // Their service account lives in the namespace of the resource that declares it (Istio).
        record Workload(WorkloadEntrySpec spec, String origin, String namespace) {}
        List<Workload> workloads = new ArrayList<>();
        for (WorkloadEntrySpec e : spec.endpoints()) {
            workloads.add(new Workload(e, origin, ns));
        }
        for (WorkloadEntry we : config.workloadEntriesFor(se)) {
            workloads.add(new Workload(we.spec(), "WorkloadEntry " + we.meta().namespacedName(), we.meta().namespace()));
        }
        for (String rawHost : spec.hosts()) {
            String host = Hosts.resolve(rawHost, ns);
            if (host.startsWith("*")) {
                continue; // a wildcard host names no cluster Weft can build (no original-destination yet)
            }
            mergeService(new MeshService(host, ns, ports, resolution, origin));
            if (!spec.subjectAltNames().isEmpty()) {
                declaredSans.computeIfAbsent(host, h -> new java.util.TreeSet<>()).addAll(spec.subjectAltNames());
            }
            for (ServicePort p : spec.ports()) {
                List<Workload> targets = workloads;
                if (targets.isEmpty() && resolution == MeshService.Resolution.DNS) {
                    // DNS resolution without endpoints: the host itself is resolved, as Istio does.
                    targets = List.of(new Workload(new WorkloadEntrySpec(host, Map.of(), Map.of(), null, null,
                            null, null), origin, ns));
                }
                for (Workload w : targets) {
                    int port = endpointPort(w.spec(), p);
                    String account = w.spec().serviceAccount() == null || w.spec().serviceAccount().isEmpty() ? null
                            : WorkloadEndpoint.spiffeId(trustDomain, w.namespace(), w.spec().serviceAccount());
                    addEndpoint(new WorkloadEndpoint(host, p.number(), w.spec().address(), port, w.spec().labels(),
                            false, w.spec().weight() == null ? 1 : w.spec().weight(), w.origin(), account));
                }
            }
        }
    }

    /** The workload's port for the SE port's name, else the SE port's targetPort, else its number. */
    private static int endpointPort(WorkloadEntrySpec workload, ServicePort sePort) {
        if (sePort.name() != null) {
            Integer mapped = workload.ports().get(sePort.name());
            if (mapped != null) {
                return mapped;
            }
        }
        if (sePort.targetPort() != null && sePort.targetPort() > 0) {
            return sePort.targetPort();
        }
        return sePort.number();
    }

    /** Several proxies (or a proxy and a ServiceEntry) may declare the same host: their ports are united. */
    private void mergeService(MeshService incoming) {
        MeshService existing = services.get(incoming.host());
        if (existing == null) {
            services.put(incoming.host(), sortPorts(incoming));
            return;
        }
        Map<Integer, MeshService.Port> ports = new TreeMap<>();
        for (MeshService.Port p : existing.ports()) {
            ports.put(p.number(), p);
        }
        for (MeshService.Port p : incoming.ports()) {
            ports.putIfAbsent(p.number(), p);
        }
        // A declaration (ServiceEntry) decides the resolution and origin over proxy registrations.
        boolean incomingDeclared = !incoming.origin().equals("proxies");
        MeshService.Resolution resolution = incomingDeclared ? incoming.resolution() : existing.resolution();
        String origin = existing.origin().equals(incoming.origin()) ? existing.origin()
                : existing.origin() + ", " + incoming.origin();
        services.put(incoming.host(), new MeshService(incoming.host(), existing.namespace(),
                List.copyOf(ports.values()), resolution, origin));
    }

    private static MeshService sortPorts(MeshService s) {
        Map<Integer, MeshService.Port> ports = new TreeMap<>();
        for (MeshService.Port p : s.ports()) {
            ports.putIfAbsent(p.number(), p);
        }
        return new MeshService(s.host(), s.namespace(), List.copyOf(ports.values()), s.resolution(), s.origin());
    }

    private void addEndpoint(WorkloadEndpoint e) {
        endpoints.computeIfAbsent(e.serviceHost(), h -> new TreeMap<>())
                .computeIfAbsent(e.servicePort(), p -> new ArrayList<>()).add(e);
    }
}
