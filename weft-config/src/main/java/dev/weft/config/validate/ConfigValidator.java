package dev.weft.config.validate;

import dev.weft.config.ConfigError;
import dev.weft.config.Hosts;
import dev.weft.config.MeshConfig;
import dev.weft.config.load.FieldPath;
import dev.weft.config.load.LoadedResource;
import dev.weft.config.model.Destination;
import dev.weft.config.model.DestinationRule;
import dev.weft.config.model.IstioResource;
import dev.weft.config.model.ResourceMeta;
import dev.weft.config.model.ServiceEntry;
import dev.weft.config.model.Subset;
import dev.weft.config.model.VirtualService;
import dev.weft.config.model.PeerAuthentication;
import dev.weft.config.model.AuthorizationPolicy;
import dev.weft.config.model.LocalRateLimit;
import dev.weft.config.model.WorkloadEntry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Validates a whole config set: each resource on its own, then duplicates and references between resources. */
public final class ConfigValidator {
    private ConfigValidator() {}

    /**
     * @param crossChecks false when some resources of the set failed to decode, so references to them would be
     *                    reported as missing although the real error is elsewhere
     */
    public static List<ConfigError> validate(List<LoadedResource> resources, boolean crossChecks) {
        List<ConfigError> errors = new ArrayList<>();
        // CUSTOM policies name a provider of the MeshConfig; unknown while a resource failed to decode
        dev.weft.config.model.MeshConfigSpec mesh = crossChecks ? MeshConfigValidator.meshSettings(resources, errors)
                : null;
        for (LoadedResource lr : resources) {
            Reporter r = new Reporter(lr.resource().meta(), lr.lines(), errors, lr.unboundPaths());
            switch (lr.resource()) {
                case VirtualService v -> VirtualServiceValidator.validate(v.spec(), r);
                case DestinationRule d -> DestinationRuleValidator.validate(d.spec(), r);
                case ServiceEntry s -> ServiceEntryValidator.validate(s.spec(), r);
                case WorkloadEntry w -> ServiceEntryValidator.validateWorkloadEntry(w.spec(), r);
                case PeerAuthentication p -> PeerAuthenticationValidator.validate(p, r);
                case AuthorizationPolicy a -> AuthorizationPolicyValidator.validate(a, mesh, crossChecks, r);
                case LocalRateLimit l -> LocalRateLimitValidator.validate(l, r);
                case dev.weft.config.model.Telemetry t -> TelemetryValidator.validate(t, r);
                case dev.weft.config.model.RequestAuthentication a -> RequestAuthenticationValidator.validate(a, r);
                case dev.weft.config.model.MeshConfigResource m -> MeshConfigValidator.validate(m, r);
            }
        }
        duplicates(resources, errors);
        if (crossChecks) {
            conflictingHosts(resources, errors);
            unknownSubsets(resources, errors);
        }
        return errors;
    }

    private static void duplicates(List<LoadedResource> resources, List<ConfigError> errors) {
        Map<String, ResourceMeta> seen = new HashMap<>();
        for (LoadedResource lr : resources) {
            ResourceMeta m = lr.resource().meta();
            ResourceMeta first = seen.putIfAbsent(m.kind() + "/" + m.namespace() + "/" + m.name(), m);
            if (first != null) {
                new Reporter(m, lr.lines(), errors).error(FieldPath.of("metadata", "name"),
                        "duplicate " + m.kind() + " " + m.namespacedName() + ", first defined at " + where(first));
            }
        }
    }

    /** Istio picks one of several sidecar VirtualServices for a host silently; Weft refuses instead. */
    private static void conflictingHosts(List<LoadedResource> resources, List<ConfigError> errors) {
        Map<String, ResourceMeta> vsHosts = new HashMap<>();
        Map<String, ResourceMeta> drHosts = new HashMap<>();
        for (LoadedResource lr : resources) {
            IstioResource res = lr.resource();
            ResourceMeta m = res.meta();
            Reporter r = new Reporter(m, lr.lines(), errors);
            if (res instanceof VirtualService v && appliesToSidecars(v)) {
                for (int i = 0; i < v.spec().hosts().size(); i++) {
                    String fqdn = Hosts.resolve(v.spec().hosts().get(i), m.namespace());
                    ResourceMeta other = vsHosts.putIfAbsent(fqdn, m);
                    if (other != null && other != m) {
                        r.error(FieldPath.of("spec", "hosts").index(i), "host " + fqdn
                                + " is already routed by VirtualService " + other.namespacedName() + " (" + where(other)
                                + "); merge the routes into one VirtualService");
                    }
                }
            } else if (res instanceof DestinationRule d && d.spec().host() != null) {
                String key = m.namespace() + "|" + Hosts.resolve(d.spec().host(), m.namespace());
                ResourceMeta other = drHosts.putIfAbsent(key, m);
                if (other != null) {
                    r.error(FieldPath.of("spec", "host"), "namespace " + m.namespace() + " already has DestinationRule "
                            + other.namespacedName() + " for this host (" + where(other) + "); Weft does not merge rules");
                }
            }
        }
    }

    private static boolean appliesToSidecars(VirtualService v) {
        return v.spec().gateways().isEmpty() || v.spec().gateways().contains("mesh");
    }

    private static void unknownSubsets(List<LoadedResource> resources, List<ConfigError> errors) {
        MeshConfig config = MeshConfig.of(resources.stream().map(LoadedResource::resource).toList());
        for (LoadedResource lr : resources) {
            if (!(lr.resource() instanceof VirtualService v)) {
                continue;
            }
            Reporter r = new Reporter(v.meta(), lr.lines(), errors);
            FieldPath http = FieldPath.of("spec", "http");
            for (int i = 0; i < v.spec().http().size(); i++) {
                var route = v.spec().http().get(i);
                for (int k = 0; k < route.route().size(); k++) {
                    Destination d = route.route().get(k).destination();
                    subset(config, v, d, http.index(i).field("route").index(k).field("destination"), r);
                }
                subset(config, v, route.mirror(), http.index(i).field("mirror"), r);
                for (int k = 0; k < route.mirrors().size(); k++) {
                    subset(config, v, route.mirrors().get(k).destination(),
                            http.index(i).field("mirrors").index(k).field("destination"), r);
                }
            }
        }
    }

    private static void subset(MeshConfig config, VirtualService v, Destination d, FieldPath at, Reporter r) {
        if (d == null || d.subset() == null || d.subset().isEmpty() || d.host() == null || d.host().isEmpty()) {
            return;
        }
        String fqdn = Hosts.resolve(d.host(), v.meta().namespace());
        DestinationRule rule = config.destinationRuleFor(fqdn, v.meta().namespace());
        if (rule == null) {
            r.error(at.field("subset"), "unknown subset \"" + d.subset() + "\": no DestinationRule defines subsets for host "
                    + fqdn);
        } else if (rule.spec().subset(d.subset()) == null) {
            String known = rule.spec().subsets().stream().map(Subset::name).collect(Collectors.joining(", "));
            r.error(at.field("subset"), "unknown subset \"" + d.subset() + "\": DestinationRule "
                    + rule.meta().namespacedName() + " (" + where(rule.meta()) + ") for host " + fqdn + " defines "
                    + (known.isEmpty() ? "no subsets" : "only " + known));
        }
    }

    private static String where(ResourceMeta m) {
        return m.file() + (m.line() > 0 ? ":" + m.line() : "");
    }
}
