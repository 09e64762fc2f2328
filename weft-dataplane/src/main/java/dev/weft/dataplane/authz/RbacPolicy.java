package dev.weft.dataplane.authz;

import java.util.List;

/** Envoy RBAC {@code Policy}: matches when any permission and any principal match. */
public record RbacPolicy(String name, List<RbacMatcher> permissions, List<RbacMatcher> principals) {
    public RbacPolicy {
        permissions = List.copyOf(permissions);
        principals = List.copyOf(principals);
    }

    public boolean matches(AuthzRequest r) {
        return anyMatches(permissions, r) && anyMatches(principals, r);
    }

    private static boolean anyMatches(List<RbacMatcher> ms, AuthzRequest r) {
        for (RbacMatcher m : ms) {
            if (m.matches(r)) {
                return true;
            }
        }
        return false;
    }
}
