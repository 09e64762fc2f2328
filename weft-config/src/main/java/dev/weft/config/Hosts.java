package dev.weft.config;

import java.util.Locale;
import java.util.regex.Pattern;

/** Istio host-name rules: short-name resolution and syntax checks. */
public final class Hosts {
    public static final String DEFAULT_DOMAIN_SUFFIX = "cluster.local";

    private static final Pattern DNS_LABEL = Pattern.compile("[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?");

    private Hosts() {}

    /**
     * Istio's short-name resolution: a name without a dot is a Kubernetes-style service in {@code namespace}
     * ({@code reviews} → {@code reviews.default.svc.cluster.local}); anything with a dot, and {@code *}, is taken
     * as written. The result is lower-cased, as DNS names compare case-insensitively.
     */
    public static String resolve(String host, String namespace) {
        if (host == null) {
            return null;
        }
        String h = host.toLowerCase(Locale.ROOT);
        if (h.equals("*") || h.indexOf('.') >= 0) {
            return h;
        }
        return h + "." + namespace + ".svc." + DEFAULT_DOMAIN_SUFFIX;
    }

    /** Why {@code host} is not a valid DNS name (optionally with a leading {@code *} or {@code *.}), or null. */
    public static String problem(String host, boolean wildcardAllowed) {
        if (host == null || host.isEmpty()) {
            return "host is empty";
        }
        String rest = host;
        if (host.equals("*")) {
            return wildcardAllowed ? null : "wildcard host '*' is not allowed here";
        }
        if (host.startsWith("*")) {
            if (!wildcardAllowed) {
                return "wildcard host '" + host + "' is not allowed here";
            }
            if (!host.startsWith("*.")) {
                return "host '" + host + "': a wildcard must be the whole first label ('*.example.com')";
            }
            rest = host.substring(2);
        }
        if (host.length() > 255) {
            return "host '" + host + "' is longer than 255 characters";
        }
        if (rest.endsWith(".")) {
            rest = rest.substring(0, rest.length() - 1);
        }
        if (rest.isEmpty()) {
            return "host '" + host + "' has no domain";
        }
        for (String label : rest.split("\\.", -1)) {
            if (label.length() > 63) {
                return "host '" + host + "': label '" + label + "' is longer than 63 characters";
            }
            if (!DNS_LABEL.matcher(label).matches()) {
                return "host '" + host + "' is not a valid DNS name (label '" + label
                        + "' must be letters, digits and '-', not starting or ending with '-')";
            }
        }
        return null;
    }

    /** Whether {@code pattern} ({@code *}, {@code *.suffix} or an exact name) covers the fully qualified {@code host}. */
    public static boolean matches(String pattern, String host) {
        if (pattern.equals("*")) {
            return true;
        }
        if (pattern.startsWith("*.")) {
            return host.endsWith(pattern.substring(1));
        }
        return pattern.equalsIgnoreCase(host);
    }
}
