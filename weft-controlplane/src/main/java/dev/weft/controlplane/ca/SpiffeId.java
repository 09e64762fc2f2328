package dev.weft.controlplane.ca;

import java.util.regex.Pattern;

/**
 * A workload identity, {@code spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>} (DESIGN.md §6, Istio's
 * layout). Names are restricted to Kubernetes DNS-label characters so an identity can never smuggle a path
 * separator into another one's name.
 */
public record SpiffeId(String trustDomain, String namespace, String serviceAccount) {
    private static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?");

    public SpiffeId {
        check("trust domain", trustDomain);
        check("namespace", namespace);
        check("service account", serviceAccount);
    }

    private static void check(String what, String value) {
        if (value == null || !NAME.matcher(value).matches()) {
            throw new IllegalArgumentException(what + " '" + value
                    + "' is not a valid name (lower-case letters, digits, '-' and '.', starting and ending alphanumeric)");
        }
    }

    public String uri() {
        return "spiffe://" + trustDomain + "/ns/" + namespace + "/sa/" + serviceAccount;
    }

    @Override
    public String toString() {
        return uri();
    }
}
