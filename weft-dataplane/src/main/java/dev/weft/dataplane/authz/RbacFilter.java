package dev.weft.dataplane.authz;

import java.util.List;

/** One {@code envoy.filters.http.rbac} filter: an action and its policies (in name order, as Envoy's map). */
public record RbacFilter(Action action, List<RbacPolicy> policies) {
    public enum Action { ALLOW, DENY, LOG }

    public RbacFilter {
        policies = List.copyOf(policies);
    }

    /** The first policy matching the request, or null. */
    public RbacPolicy firstMatch(AuthzRequest r) {
        for (RbacPolicy p : policies) {
            if (p.matches(r)) {
                return p;
            }
        }
        return null;
    }
}
