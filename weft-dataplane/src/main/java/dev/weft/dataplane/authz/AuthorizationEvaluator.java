package dev.weft.dataplane.authz;

import java.util.List;

/**
 * Runs a connection manager's RBAC filters in order, as Envoy's filter chain does: a DENY filter denies when one
 * of its policies matches; an ALLOW filter denies when none does (so an ALLOW filter with no policies denies
 * everything — Istio's implicit deny once any ALLOW policy selects the workload); a LOG filter (Istio AUDIT)
 * never changes the decision. The control plane orders the filters DENY before ALLOW, which gives Istio's
 * "DENY beats ALLOW". Stateless, allocation-free on the allow path.
 */
public final class AuthorizationEvaluator {
    /** The message Envoy's RBAC filter sends with its 403, which clients and tests look for. */
    public static final String DENIED_BODY = "RBAC: access denied";

    private AuthorizationEvaluator() {}

    /** The outcome: allowed, or denied by a named policy (null name: no ALLOW policy matched). */
    public record Decision(boolean allowed, String policy) {
        static final Decision ALLOWED = new Decision(true, null);
    }

    public static Decision evaluate(List<RbacFilter> filters, AuthzRequest request) {
        for (int i = 0; i < filters.size(); i++) {
            RbacFilter f = filters.get(i);
            switch (f.action()) {
                case DENY -> {
                    RbacPolicy p = f.firstMatch(request);
                    if (p != null) {
                        return new Decision(false, p.name());
                    }
                }
                case ALLOW -> {
                    if (f.firstMatch(request) == null) {
                        return new Decision(false, null);
                    }
                }
                case LOG -> { }
            }
        }
        return Decision.ALLOWED;
    }
}
