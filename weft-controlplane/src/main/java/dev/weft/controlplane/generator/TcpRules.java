package dev.weft.controlplane.generator;

import dev.weft.config.model.AuthorizationPolicySpec.Condition;
import dev.weft.config.model.AuthorizationPolicySpec.From;
import dev.weft.config.model.AuthorizationPolicySpec.Operation;
import dev.weft.config.model.AuthorizationPolicySpec.Rule;
import dev.weft.config.model.AuthorizationPolicySpec.Source;
import dev.weft.config.model.AuthorizationPolicySpec.To;
import java.util.List;
import java.util.Set;

/**
 * Which parts of an AuthorizationPolicy rule a TCP connection can be judged on, as Istio decides for network RBAC:
 * sources by principal, namespace and IP, operations by port, and the {@code source.*}, {@code remote.ip},
 * {@code destination.*} and {@code connection.sni} conditions. Hosts, methods, paths, requestPrincipals and
 * {@code request.*} conditions exist only in HTTP requests.
 */
final class TcpRules {
    private static final Set<String> TCP_CONDITION_KEYS = Set.of("source.ip", "remote.ip", "source.namespace",
            "source.principal", "destination.ip", "destination.port", "connection.sni");

    private TcpRules() {}

    static boolean usesHttpOnlyFields(Rule rule) {
        for (From from : rule.from()) {
            Source s = from.source();
            if (!s.requestPrincipals().isEmpty() || !s.notRequestPrincipals().isEmpty()) {
                return true;
            }
        }
        for (To to : rule.to()) {
            Operation o = to.operation();
            if (!o.hosts().isEmpty() || !o.notHosts().isEmpty() || !o.methods().isEmpty() || !o.notMethods().isEmpty()
                    || !o.paths().isEmpty() || !o.notPaths().isEmpty()) {
                return true;
            }
        }
        return rule.when().stream().anyMatch(c -> !TCP_CONDITION_KEYS.contains(c.key()));
    }

    /** The rule with its HTTP-only fields removed; a part left with no field matches everything. */
    static Rule withoutHttpOnlyFields(Rule rule) {
        List<From> from = rule.from().stream().map(f -> {
            Source s = f.source();
            return new From(new Source(s.principals(), s.notPrincipals(), List.of(), List.of(), s.namespaces(),
                    s.notNamespaces(), s.ipBlocks(), s.notIpBlocks(), s.remoteIpBlocks(), s.notRemoteIpBlocks()));
        }).toList();
        List<To> to = rule.to().stream().map(t -> new To(new Operation(List.of(), List.of(), t.operation().ports(),
                t.operation().notPorts(), List.of(), List.of(), List.of(), List.of()))).toList();
        List<Condition> when = rule.when().stream().filter(c -> TCP_CONDITION_KEYS.contains(c.key())).toList();
        return new Rule(from, to, when);
    }
}
