package dev.weft.config;

import dev.weft.config.model.AuthorizationPolicy;
import dev.weft.config.model.DestinationRule;
import dev.weft.config.model.ExtensionProvider;
import dev.weft.config.model.MeshConfigResource;
import dev.weft.config.model.IstioResource;
import dev.weft.config.model.LocalRateLimit;
import dev.weft.config.model.PeerAuthentication;
import dev.weft.config.model.RequestAuthentication;
import dev.weft.config.model.ServiceEntry;
import dev.weft.config.model.Telemetry;
import dev.weft.config.model.VirtualService;
import dev.weft.config.model.WorkloadEntry;
import java.util.ArrayList;
import java.util.List;

/**
 * An immutable, validated set of mesh resources, in load order (files sorted by name, documents in file order).
 * Lookups take fully qualified host names ({@link Hosts#resolve}); resources' own hosts are resolved in their
 * namespace.
 */
public record MeshConfig(List<VirtualService> virtualServices, List<DestinationRule> destinationRules,
                         List<ServiceEntry> serviceEntries, List<WorkloadEntry> workloadEntries,
                         List<PeerAuthentication> peerAuthentications,
                         List<AuthorizationPolicy> authorizationPolicies,
                         List<LocalRateLimit> localRateLimits, List<Telemetry> telemetries,
                         List<RequestAuthentication> requestAuthentications, MeshConfigResource meshSettings) {
    public static final MeshConfig EMPTY = new MeshConfig(List.of(), List.of(), List.of(), List.of());

    /** Without security policies. */
    public MeshConfig(List<VirtualService> virtualServices, List<DestinationRule> destinationRules,
                      List<ServiceEntry> serviceEntries, List<WorkloadEntry> workloadEntries) {
        this(virtualServices, destinationRules, serviceEntries, workloadEntries, List.of());
    }

    /** Without authorization policies. */
    public MeshConfig(List<VirtualService> virtualServices, List<DestinationRule> destinationRules,
                      List<ServiceEntry> serviceEntries, List<WorkloadEntry> workloadEntries,
                      List<PeerAuthentication> peerAuthentications) {
        this(virtualServices, destinationRules, serviceEntries, workloadEntries, peerAuthentications, List.of());
    }

    /** Without Telemetry resources. */
    public MeshConfig(List<VirtualService> virtualServices, List<DestinationRule> destinationRules,
                      List<ServiceEntry> serviceEntries, List<WorkloadEntry> workloadEntries,
                      List<PeerAuthentication> peerAuthentications, List<AuthorizationPolicy> authorizationPolicies,
                      List<LocalRateLimit> localRateLimits) {
        this(virtualServices, destinationRules, serviceEntries, workloadEntries, peerAuthentications,
                authorizationPolicies, localRateLimits, List.of());
    }

    /** Without Weft's own (weft.dev) resources. */
    public MeshConfig(List<VirtualService> virtualServices, List<DestinationRule> destinationRules,
                      List<ServiceEntry> serviceEntries, List<WorkloadEntry> workloadEntries,
                      List<PeerAuthentication> peerAuthentications, List<AuthorizationPolicy> authorizationPolicies) {
        this(virtualServices, destinationRules, serviceEntries, workloadEntries, peerAuthentications,
                authorizationPolicies, List.of());
    }

    /** Without request authentication. */
    public MeshConfig(List<VirtualService> virtualServices, List<DestinationRule> destinationRules,
                      List<ServiceEntry> serviceEntries, List<WorkloadEntry> workloadEntries,
                      List<PeerAuthentication> peerAuthentications, List<AuthorizationPolicy> authorizationPolicies,
                      List<LocalRateLimit> localRateLimits, List<Telemetry> telemetries) {
        this(virtualServices, destinationRules, serviceEntries, workloadEntries, peerAuthentications,
                authorizationPolicies, localRateLimits, telemetries, List.of());
    }

    /** Without mesh settings (no MeshConfig resource: no extension providers). */
    public MeshConfig(List<VirtualService> virtualServices, List<DestinationRule> destinationRules,
                      List<ServiceEntry> serviceEntries, List<WorkloadEntry> workloadEntries,
                      List<PeerAuthentication> peerAuthentications, List<AuthorizationPolicy> authorizationPolicies,
                      List<LocalRateLimit> localRateLimits, List<Telemetry> telemetries,
                      List<RequestAuthentication> requestAuthentications) {
        this(virtualServices, destinationRules, serviceEntries, workloadEntries, peerAuthentications,
                authorizationPolicies, localRateLimits, telemetries, requestAuthentications, null);
    }

    public MeshConfig {
        peerAuthentications = List.copyOf(peerAuthentications);
        authorizationPolicies = List.copyOf(authorizationPolicies);
        localRateLimits = List.copyOf(localRateLimits);
        telemetries = List.copyOf(telemetries);
        requestAuthentications = List.copyOf(requestAuthentications);
        virtualServices = List.copyOf(virtualServices);
        destinationRules = List.copyOf(destinationRules);
        serviceEntries = List.copyOf(serviceEntries);
        workloadEntries = List.copyOf(workloadEntries);
    }

    public static MeshConfig of(List<? extends IstioResource> resources) {
        List<VirtualService> vs = new ArrayList<>();
        List<DestinationRule> dr = new ArrayList<>();
        List<ServiceEntry> se = new ArrayList<>();
        List<WorkloadEntry> we = new ArrayList<>();
        List<PeerAuthentication> pa = new ArrayList<>();
        List<AuthorizationPolicy> ap = new ArrayList<>();
        List<LocalRateLimit> rl = new ArrayList<>();
        List<Telemetry> tm = new ArrayList<>();
        List<RequestAuthentication> ra = new ArrayList<>();
        MeshConfigResource mesh = null;
        for (IstioResource r : resources) {
            switch (r) {
                case VirtualService v -> vs.add(v);
                case DestinationRule d -> dr.add(d);
                case ServiceEntry s -> se.add(s);
                case WorkloadEntry w -> we.add(w);
                case PeerAuthentication p -> pa.add(p);
                case AuthorizationPolicy a -> ap.add(a);
                case LocalRateLimit l -> rl.add(l);
                case Telemetry t -> tm.add(t);
                case RequestAuthentication a -> ra.add(a);
                case MeshConfigResource m -> mesh = mesh == null ? m : mesh; // validation allows one
            }
        }
        return new MeshConfig(vs, dr, se, we, pa, ap, rl, tm, ra, mesh);
    }

    /** Every resource, in the order VirtualServices, DestinationRules, ServiceEntries, WorkloadEntries. */
    public List<IstioResource> all() {
        List<IstioResource> all = new ArrayList<>();
        all.addAll(virtualServices);
        all.addAll(destinationRules);
        all.addAll(serviceEntries);
        all.addAll(workloadEntries);
        all.addAll(peerAuthentications);
        all.addAll(authorizationPolicies);
        all.addAll(localRateLimits);
        all.addAll(telemetries);
        all.addAll(requestAuthentications);
        if (meshSettings != null) {
            all.add(meshSettings);
        }
        return all;
    }

    /** MeshConfig {@code extensionProviders}, empty without a MeshConfig resource. */
    public List<ExtensionProvider> extensionProviders() {
        return meshSettings == null ? List.of() : meshSettings.spec().extensionProviders();
    }

    /** The extension provider called {@code name}, or null. */
    public ExtensionProvider extensionProvider(String name) {
        return meshSettings == null ? null : meshSettings.spec().provider(name);
    }

    /**
     * VirtualServices with a host covering {@code fqdn} (exact host, {@code *.suffix} or {@code *}), most specific
     * first: those naming the host exactly, then wildcards; load order within each group.
     */
    public List<VirtualService> virtualServicesFor(String fqdn) {
        List<VirtualService> exact = new ArrayList<>();
        List<VirtualService> wildcard = new ArrayList<>();
        for (VirtualService v : virtualServices) {
            boolean isExact = false;
            boolean isWildcard = false;
            for (String h : v.spec().hosts()) {
                String resolved = Hosts.resolve(h, v.meta().namespace());
                if (resolved.equalsIgnoreCase(fqdn)) {
                    isExact = true;
                } else if (resolved.startsWith("*") && Hosts.matches(resolved, fqdn)) {
                    isWildcard = true;
                }
            }
            if (isExact) {
                exact.add(v);
            } else if (isWildcard) {
                wildcard.add(v);
            }
        }
        exact.addAll(wildcard);
        return List.copyOf(exact);
    }

    /**
     * The DestinationRule that applies to {@code host} (short or qualified; short names resolve in
     * {@code namespace}) for a client in {@code namespace}: Istio's order — a rule in the client's namespace
     * first, then one in any namespace; an exact host before the longest matching wildcard. Null when none.
     */
    public DestinationRule destinationRuleFor(String host, String namespace) {
        String fqdn = Hosts.resolve(host, namespace);
        DestinationRule best = null;
        int bestScore = -1;
        for (DestinationRule d : destinationRules) {
            String pattern = Hosts.resolve(d.spec().host(), d.meta().namespace());
            if (pattern == null || !Hosts.matches(pattern, fqdn)) {
                continue;
            }
            // Exactness dominates (longer pattern = more specific), then the client's own namespace.
            int score = (pattern.equalsIgnoreCase(fqdn) ? 1_000_000 : pattern.length() * 2)
                    + (d.meta().namespace().equals(namespace) ? 1 : 0);
            if (score > bestScore) {
                best = d;
                bestScore = score;
            }
        }
        return best;
    }

    /** ServiceEntries one of whose hosts covers {@code fqdn}, in load order. */
    public List<ServiceEntry> serviceEntriesFor(String fqdn) {
        List<ServiceEntry> out = new ArrayList<>();
        for (ServiceEntry s : serviceEntries) {
            for (String h : s.spec().hosts()) {
                if (Hosts.matches(Hosts.resolve(h, s.meta().namespace()), fqdn)) {
                    out.add(s);
                    break;
                }
            }
        }
        return List.copyOf(out);
    }

    /** WorkloadEntries selected by a ServiceEntry's workloadSelector (same namespace, labels match); empty if none. */
    public List<WorkloadEntry> workloadEntriesFor(ServiceEntry serviceEntry) {
        var selector = serviceEntry.spec().workloadSelector();
        if (selector == null) {
            return List.of();
        }
        List<WorkloadEntry> out = new ArrayList<>();
        for (WorkloadEntry w : workloadEntries) {
            if (w.meta().namespace().equals(serviceEntry.meta().namespace()) && selector.matches(w.spec().labels())) {
                out.add(w);
            }
        }
        return List.copyOf(out);
    }
}
