package dev.weft.config;

import dev.weft.config.model.AuthorizationPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Which AuthorizationPolicies apply to one workload, as in Istio: a policy in the root namespace without a
 * selector applies mesh-wide, one in the root namespace with a selector to matching workloads of every namespace,
 * one elsewhere to its own namespace (all of it, or the workloads its selector matches).
 */
public final class AuthorizationPolicies {
    private AuthorizationPolicies() {}

    /** The policies selecting the workload, in load order. */
    public static List<AuthorizationPolicy> selecting(List<AuthorizationPolicy> policies, String namespace,
                                                      Map<String, String> labels) {
        List<AuthorizationPolicy> out = new ArrayList<>();
        for (AuthorizationPolicy p : policies) {
            String ns = p.meta().namespace();
            if (!ns.equals(namespace) && !ns.equals(PeerAuthentications.ROOT_NAMESPACE)) {
                continue;
            }
            var selector = p.spec().selector();
            if (selector == null || selector.matches(labels)) {
                out.add(p);
            }
        }
        return List.copyOf(out);
    }
}
