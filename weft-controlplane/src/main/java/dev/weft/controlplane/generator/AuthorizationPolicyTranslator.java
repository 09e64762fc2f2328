package dev.weft.controlplane.generator;

import com.google.protobuf.Any;
import dev.weft.config.AuthorizationPolicies;
import dev.weft.config.model.AuthorizationPolicy;
import dev.weft.config.model.AuthorizationPolicySpec.Action;
import dev.weft.config.model.AuthorizationPolicySpec.Condition;
import dev.weft.config.model.AuthorizationPolicySpec.From;
import dev.weft.config.model.AuthorizationPolicySpec.Operation;
import dev.weft.config.model.AuthorizationPolicySpec.Rule;
import dev.weft.config.model.AuthorizationPolicySpec.Source;
import dev.weft.config.model.AuthorizationPolicySpec.To;
import io.envoyproxy.envoy.config.core.v3.CidrRange;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.matcher.v3.MetadataMatcher;
import io.envoyproxy.envoy.type.matcher.v3.PathMatcher;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.matcher.v3.ValueMatcher;
import com.google.protobuf.UInt32Value;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * AuthorizationPolicy → Envoy RBAC HTTP filters for one workload's inbound listener, the way Istio translates:
 * one filter per action, in Istio's evaluation order — DENY, then ALLOW (CUSTOM: {@link ExtAuthzTranslator}, before these) — and
 * AUDIT as a LOG filter that never changes the decision. The ALLOW filter exists as soon as one ALLOW policy
 * selects the workload, even with no rules: then nothing matches and every request is denied (Istio's implicit
 * deny). Each rule is one RBAC policy named {@code ns[NS]-policy[NAME]-rule[I]}; its {@code to}s are ORed
 * permissions, its {@code from}s ORed principals; {@code when} conditions are ANDed into the side they describe.
 */
public final class AuthorizationPolicyTranslator {
    public static final String FILTER = "envoy.filters.http.rbac";
    public static final String NETWORK_FILTER = "envoy.filters.network.rbac";
    /** Istio's stat_prefix for the network RBAC filter (Envoy stats {@code tcp.rbac.allowed/denied}). */
    static final String NETWORK_STAT_PREFIX = "tcp.";
    private static final String AUTHN_FILTER = "istio_authn";
    private static final String CLAIMS = "request.auth.claims";

    private AuthorizationPolicyTranslator() {}

    /** The RBAC filters to put before the router, in order; empty when no policy selects the workload. */
    public static List<HttpFilter> filters(List<AuthorizationPolicy> all, String namespace,
                                           java.util.Map<String, String> labels) {
        List<HttpFilter> out = new ArrayList<>();
        for (RBAC rules : rules(all, namespace, labels, false)) {
            out.add(HttpFilter.newBuilder().setName(FILTER).setTypedConfig(Any.pack(
                    io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.newBuilder().setRules(rules).build()))
                    .build());
        }
        return out;
    }

    /**
     * The {@code envoy.filters.network.rbac} filters to put before a {@code tcp_proxy}, in the same order, with
     * Istio's TCP semantics: a connection has no HTTP attributes, so a rule using an HTTP-only field (hosts, methods,
     * paths, requestPrincipals, {@code request.*} conditions) is dropped from an ALLOW policy (it can never match: a
     * smaller allow) and loses those fields in a DENY or AUDIT policy (it matches more connections: a wider deny).
     * Empty when no policy selects the workload.
     */
    public static List<Filter> networkFilters(List<AuthorizationPolicy> all, String namespace,
                                              java.util.Map<String, String> labels) {
        List<Filter> out = new ArrayList<>();
        for (RBAC rules : rules(all, namespace, labels, true)) {
            out.add(Filter.newBuilder().setName(NETWORK_FILTER).setTypedConfig(Any.pack(
                    io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC.newBuilder()
                            .setStatPrefix(NETWORK_STAT_PREFIX).setRules(rules).build()))
                    .build());
        }
        return out;
    }

    private static List<RBAC> rules(List<AuthorizationPolicy> all, String namespace,
                                    java.util.Map<String, String> labels, boolean tcp) {
        List<AuthorizationPolicy> selected = AuthorizationPolicies.selecting(all, namespace, labels);
        List<RBAC> out = new ArrayList<>();
        for (Action action : new Action[]{Action.DENY, Action.ALLOW, Action.AUDIT}) {
            RBAC.Builder rbac = null;
            for (AuthorizationPolicy p : selected) {
                if (p.spec().effectiveAction() != action) {
                    continue;
                }
                if (rbac == null) {
                    rbac = RBAC.newBuilder().setAction(switch (action) {
                        case DENY -> RBAC.Action.DENY;
                        case AUDIT -> RBAC.Action.LOG;
                        default -> RBAC.Action.ALLOW;
                    });
                }
                List<Rule> rules = p.spec().rules();
                for (int i = 0; i < rules.size(); i++) {
                    Rule rule = rules.get(i);
                    if (tcp && TcpRules.usesHttpOnlyFields(rule)) {
                        if (action == Action.ALLOW) {
                            continue; // can never match a connection: the allow gets smaller
                        }
                        rule = TcpRules.withoutHttpOnlyFields(rule); // the deny (or audit) gets wider
                    }
                    rbac.putPolicies("ns[" + p.meta().namespace() + "]-policy[" + p.meta().name() + "]-rule[" + i + "]",
                            policy(rule));
                }
            }
            if (rbac != null) {
                out.add(rbac.build());
            }
        }
        return out;
    }

    static Policy policy(Rule rule) {
        Policy.Builder policy = Policy.newBuilder();
        List<Permission> destinationConditions = new ArrayList<>();
        List<Principal> sourceConditions = new ArrayList<>();
        for (Condition c : rule.when()) {
            if (isDestinationKey(c.key())) {
                destinationConditions.add(permission(c));
            } else {
                sourceConditions.add(principal(c));
            }
        }
        if (rule.to().isEmpty()) {
            policy.addPermissions(destinationConditions.isEmpty() ? Permission.newBuilder().setAny(true).build()
                    : andPermissions(destinationConditions));
        }
        for (To to : rule.to()) {
            List<Permission> and = new ArrayList<>(operation(to.operation()));
            and.addAll(destinationConditions);
            policy.addPermissions(andPermissions(and));
        }
        if (rule.from().isEmpty()) {
            policy.addPrincipals(sourceConditions.isEmpty() ? Principal.newBuilder().setAny(true).build()
                    : andPrincipals(sourceConditions));
        }
        for (From from : rule.from()) {
            List<Principal> and = new ArrayList<>(source(from.source()));
            and.addAll(sourceConditions);
            policy.addPrincipals(andPrincipals(and));
        }
        return policy.build();
    }

    private static boolean isDestinationKey(String key) {
        return key.equals("destination.ip") || key.equals("destination.port") || key.equals("connection.sni");
    }

    // ---- sources → principals

    private static List<Principal> source(Source s) {
        List<Principal> and = new ArrayList<>();
        addPrincipals(and, s.principals(), s.notPrincipals(), v -> authenticated(principalMatcher(v)));
        addPrincipals(and, s.requestPrincipals(), s.notRequestPrincipals(), AuthorizationPolicyTranslator::requestPrincipal);
        addPrincipals(and, s.namespaces(), s.notNamespaces(), v -> authenticated(namespaceMatcher(v)));
        addPrincipals(and, s.ipBlocks(), s.notIpBlocks(), v -> Principal.newBuilder().setDirectRemoteIp(cidr(v)).build());
        addPrincipals(and, s.remoteIpBlocks(), s.notRemoteIpBlocks(), v -> Principal.newBuilder().setRemoteIp(cidr(v)).build());
        return and;
    }

    private static Principal principal(Condition c) {
        Function<String, Principal> f = switch (c.key()) {
            case "source.ip" -> v -> Principal.newBuilder().setDirectRemoteIp(cidr(v)).build();
            case "remote.ip" -> v -> Principal.newBuilder().setRemoteIp(cidr(v)).build();
            case "source.namespace" -> v -> authenticated(namespaceMatcher(v));
            case "source.principal" -> v -> authenticated(principalMatcher(v));
            case "request.auth.principal" -> AuthorizationPolicyTranslator::requestPrincipal;
            case "request.auth.audiences", "request.auth.presenter" -> v -> authnMetadata(c.key(), v);
            default -> {
                if (c.key().startsWith(CLAIMS)) {
                    yield v -> requestClaim(c.key(), v);
                }
                String header = c.key().substring("request.headers[".length(), c.key().length() - 1);
                yield v -> Principal.newBuilder().setHeader(HeaderMatcher.newBuilder().setName(header)
                        .setStringMatch(wildcard(v, false))).build();
            }
        };
        List<Principal> and = new ArrayList<>();
        addPrincipals(and, c.values(), c.notValues(), f);
        return andPrincipals(and);
    }

    private static void addPrincipals(List<Principal> and, List<String> values, List<String> notValues,
                                      Function<String, Principal> one) {
        if (!values.isEmpty()) {
            and.add(orPrincipals(values.stream().map(one).toList()));
        }
        if (!notValues.isEmpty()) {
            and.add(Principal.newBuilder().setNotId(orPrincipals(notValues.stream().map(one).toList())).build());
        }
    }

    private static Principal authenticated(StringMatcher m) {
        return Principal.newBuilder().setAuthenticated(Principal.Authenticated.newBuilder().setPrincipalName(m)).build();
    }

    /** Istio principals omit the {@code spiffe://} scheme; {@code *} means any authenticated peer. */
    private static StringMatcher principalMatcher(String v) {
        if (v.equals("*")) {
            return StringMatcher.newBuilder().setSafeRegex(RegexMatcher.newBuilder().setRegex(".+")).build();
        }
        if (v.startsWith("*")) {
            return StringMatcher.newBuilder().setSuffix(v.substring(1)).build();
        }
        if (v.endsWith("*")) {
            return StringMatcher.newBuilder().setPrefix("spiffe://" + v.substring(0, v.length() - 1)).build();
        }
        return StringMatcher.newBuilder().setExact("spiffe://" + v).build();
    }

    /** A namespace is read from the peer's SPIFFE ID, {@code spiffe://TD/ns/NS/sa/SA}, as Istio does. */
    private static StringMatcher namespaceMatcher(String v) {
        String ns = v.equals("*") ? "[^/]+" : v.startsWith("*") ? "[^/]*" + Pattern.quote(v.substring(1))
                : v.endsWith("*") ? Pattern.quote(v.substring(0, v.length() - 1)) + "[^/]*" : Pattern.quote(v);
        return StringMatcher.newBuilder().setSafeRegex(RegexMatcher.newBuilder()
                .setRegex(".*/ns/" + ns + "/.*")).build();
    }

    private static Principal requestPrincipal(String v) {
        return authnMetadata("request.auth.principal", v);
    }

    /** Istio's {@code istio_authn} metadata matchers, which the proxy fills from the verified JWT. */
    private static Principal authnMetadata(String key, String v) {
        return Principal.newBuilder().setMetadata(MetadataMatcher.newBuilder().setFilter(AUTHN_FILTER)
                .addPath(MetadataMatcher.PathSegment.newBuilder().setKey(key))
                .setValue(ValueMatcher.newBuilder().setStringMatch(wildcard(v, false)))).build();
    }

    /** {@code request.auth.claims[a][b]} → path {@code request.auth.claims, a, b} with a list match, as Istio. */
    private static Principal requestClaim(String key, String v) {
        MetadataMatcher.Builder m = MetadataMatcher.newBuilder().setFilter(AUTHN_FILTER)
                .addPath(MetadataMatcher.PathSegment.newBuilder().setKey(CLAIMS));
        String names = key.substring(CLAIMS.length() + 1, key.length() - 1);
        for (String name : names.split("]\\[")) {
            m.addPath(MetadataMatcher.PathSegment.newBuilder().setKey(name));
        }
        return Principal.newBuilder().setMetadata(m.setValue(ValueMatcher.newBuilder().setListMatch(
                io.envoyproxy.envoy.type.matcher.v3.ListMatcher.newBuilder().setOneOf(
                        ValueMatcher.newBuilder().setStringMatch(wildcard(v, false)))))).build();
    }

    private static CidrRange cidr(String v) {
        int slash = v.indexOf('/');
        String ip = slash < 0 ? v : v.substring(0, slash);
        int len = slash < 0 ? (ip.contains(":") ? 128 : 32) : Integer.parseInt(v.substring(slash + 1));
        return CidrRange.newBuilder().setAddressPrefix(ip).setPrefixLen(UInt32Value.of(len)).build();
    }

    // ---- operations → permissions

    private static List<Permission> operation(Operation op) {
        List<Permission> and = new ArrayList<>();
        addPermissions(and, op.hosts(), op.notHosts(), AuthorizationPolicyTranslator::host);
        addPermissions(and, op.ports(), op.notPorts(),
                v -> Permission.newBuilder().setDestinationPort(Integer.parseInt(v)).build());
        addPermissions(and, op.methods(), op.notMethods(), v -> Permission.newBuilder().setHeader(
                HeaderMatcher.newBuilder().setName(":method").setStringMatch(StringMatcher.newBuilder().setExact(v)))
                .build());
        addPermissions(and, op.paths(), op.notPaths(), v -> Permission.newBuilder()
                .setUrlPath(PathMatcher.newBuilder().setPath(wildcard(v, false))).build());
        return and;
    }

    /** Istio matches hosts case-insensitively, with or without a port on the authority. */
    private static Permission host(String v) {
        Permission bare = Permission.newBuilder().setHeader(HeaderMatcher.newBuilder().setName(":authority")
                .setStringMatch(wildcard(v, true))).build();
        if (v.startsWith("*") || v.endsWith("*")) {
            return bare;
        }
        Permission withPort = Permission.newBuilder().setHeader(HeaderMatcher.newBuilder().setName(":authority")
                .setStringMatch(StringMatcher.newBuilder().setPrefix(v + ":").setIgnoreCase(true))).build();
        return orPermissions(List.of(bare, withPort));
    }

    private static Permission permission(Condition c) {
        Function<String, Permission> f = switch (c.key()) {
            case "destination.port" -> v -> Permission.newBuilder().setDestinationPort(Integer.parseInt(v)).build();
            case "destination.ip" -> v -> Permission.newBuilder().setDestinationIp(cidr(v)).build();
            default -> v -> Permission.newBuilder().setRequestedServerName(wildcard(v, false)).build();
        };
        List<Permission> and = new ArrayList<>();
        addPermissions(and, c.values(), c.notValues(), f);
        return andPermissions(and);
    }

    private static void addPermissions(List<Permission> and, List<String> values, List<String> notValues,
                                       Function<String, Permission> one) {
        if (!values.isEmpty()) {
            and.add(orPermissions(values.stream().map(one).toList()));
        }
        if (!notValues.isEmpty()) {
            and.add(Permission.newBuilder().setNotRule(orPermissions(notValues.stream().map(one).toList())).build());
        }
    }

    /** Istio's string semantics: {@code *} alone = present, {@code *x} suffix, {@code x*} prefix, else exact. */
    static StringMatcher wildcard(String v, boolean ignoreCase) {
        StringMatcher.Builder m = StringMatcher.newBuilder().setIgnoreCase(ignoreCase);
        if (v.equals("*")) {
            return m.setSafeRegex(RegexMatcher.newBuilder().setRegex(".+")).build();
        } else if (v.startsWith("*")) {
            return m.setSuffix(v.substring(1)).build();
        } else if (v.endsWith("*")) {
            return m.setPrefix(v.substring(0, v.length() - 1)).build();
        }
        return m.setExact(v).build();
    }

    private static Permission andPermissions(List<Permission> ps) {
        if (ps.isEmpty()) {
            return Permission.newBuilder().setAny(true).build();
        }
        return Permission.newBuilder().setAndRules(Permission.Set.newBuilder().addAllRules(ps)).build();
    }

    private static Permission orPermissions(List<Permission> ps) {
        return ps.size() == 1 ? ps.getFirst()
                : Permission.newBuilder().setOrRules(Permission.Set.newBuilder().addAllRules(ps)).build();
    }

    private static Principal andPrincipals(List<Principal> ps) {
        if (ps.isEmpty()) {
            return Principal.newBuilder().setAny(true).build();
        }
        return Principal.newBuilder().setAndIds(Principal.Set.newBuilder().addAllIds(ps)).build();
    }

    private static Principal orPrincipals(List<Principal> ps) {
        return ps.size() == 1 ? ps.getFirst()
                : Principal.newBuilder().setOrIds(Principal.Set.newBuilder().addAllIds(ps)).build();
    }
}
