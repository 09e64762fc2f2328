package dev.weft.config.model;

import java.util.List;

/**
 * Istio {@code AuthorizationPolicy.spec}.
 *
 * @param selector workloads it applies to (null: the whole namespace, or the whole mesh in the root namespace)
 * @param action ALLOW (default), DENY, AUDIT or CUSTOM
 * @param provider the external authorizer of a CUSTOM policy
 * @param rules a request matching any rule matches the policy; null means "no rules" (matches nothing), an
 *              empty rule {@code {}} matches every request — Istio's distinction, kept here
 */
public record AuthorizationPolicySpec(PolicySelector selector, Action action, Provider provider, List<Rule> rules) {
    public AuthorizationPolicySpec {
        rules = rules == null ? List.of() : Immutables.list(rules);
    }

    public enum Action { ALLOW, DENY, AUDIT, CUSTOM }

    public Action effectiveAction() {
        return action == null ? Action.ALLOW : action;
    }

    /** Istio {@code AuthorizationPolicy.ExtensionProvider}. */
    public record Provider(String name) {}

    /** Istio {@code Rule}: every present part must match (AND); within from/to any entry matches (OR). */
    public record Rule(List<From> from, List<To> to, List<Condition> when) {
        public Rule {
            from = from == null ? List.of() : Immutables.list(from);
            to = to == null ? List.of() : Immutables.list(to);
            when = when == null ? List.of() : Immutables.list(when);
        }
    }

    public record From(Source source) {}

    public record To(Operation operation) {}

    /** Istio {@code Source}; every non-empty field must match (AND), values within a field are ORed. */
    public record Source(List<String> principals, List<String> notPrincipals, List<String> requestPrincipals,
                         List<String> notRequestPrincipals, List<String> namespaces, List<String> notNamespaces,
                         List<String> ipBlocks, List<String> notIpBlocks, List<String> remoteIpBlocks,
                         List<String> notRemoteIpBlocks) {
        public Source {
            principals = l(principals);
            notPrincipals = l(notPrincipals);
            requestPrincipals = l(requestPrincipals);
            notRequestPrincipals = l(notRequestPrincipals);
            namespaces = l(namespaces);
            notNamespaces = l(notNamespaces);
            ipBlocks = l(ipBlocks);
            notIpBlocks = l(notIpBlocks);
            remoteIpBlocks = l(remoteIpBlocks);
            notRemoteIpBlocks = l(notRemoteIpBlocks);
        }
    }

    /** Istio {@code Operation}; ports are strings in Istio's API. */
    public record Operation(List<String> hosts, List<String> notHosts, List<String> ports, List<String> notPorts,
                            List<String> methods, List<String> notMethods, List<String> paths,
                            List<String> notPaths) {
        public Operation {
            hosts = l(hosts);
            notHosts = l(notHosts);
            ports = l(ports);
            notPorts = l(notPorts);
            methods = l(methods);
            notMethods = l(notMethods);
            paths = l(paths);
            notPaths = l(notPaths);
        }
    }

    /** Istio {@code Condition}: {@code key} is e.g. {@code request.headers[x-user]}, {@code source.ip}. */
    public record Condition(String key, List<String> values, List<String> notValues) {
        public Condition {
            values = l(values);
            notValues = l(notValues);
        }
    }

    private static List<String> l(List<String> in) {
        return in == null ? List.of() : Immutables.list(in);
    }
}
