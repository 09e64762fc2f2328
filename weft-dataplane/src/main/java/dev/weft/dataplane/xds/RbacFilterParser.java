package dev.weft.dataplane.xds;

import com.google.protobuf.Any;
import dev.weft.dataplane.authz.Cidr;
import dev.weft.dataplane.authz.RbacFilter;
import dev.weft.dataplane.authz.RbacMatcher;
import dev.weft.dataplane.authz.RbacPolicy;
import dev.weft.dataplane.config.StringMatcher;
import io.envoyproxy.envoy.config.core.v3.CidrRange;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.type.matcher.v3.MetadataMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code envoy.filters.http.rbac} ({@code extensions.filters.http.rbac.v3.RBAC}) → {@link RbacFilter}. Everything
 * Istio's AuthorizationPolicy translation produces is supported; anything else is NACKed naming the field, never
 * silently ignored — an authorization rule the proxy cannot apply must not become "allow".
 */
public final class RbacFilterParser {
    public static final String FILTER_NAME = "envoy.filters.http.rbac";
    static final String TYPE = TypedAny.url("envoy.extensions.filters.http.rbac.v3.RBAC");
    public static final String NETWORK_FILTER_NAME = "envoy.filters.network.rbac";
    static final String NETWORK_TYPE = TypedAny.url("envoy.extensions.filters.network.rbac.v3.RBAC");
    private static final String AUTHN_FILTER = "istio_authn";
    private static final int MAX_DEPTH = 32;

    private RbacFilterParser() {}

    /** Parses one filter's typed_config outside a listener (tests, tools); errors name {@code listenerName}. */
    public static RbacFilter parse(Any any, String listenerName) throws ResourceRejectedException {
        return parse(any, new Rejector("Listener", listenerName), "typed_config");
    }

    static RbacFilter parse(Any any, Rejector reject, String path) throws ResourceRejectedException {
        var config = TypedAny.unpack(any, TYPE, io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.parser(),
                reject, path);
        if (config.hasShadowRules()) {
            throw reject.at(path + ".shadow_rules", "shadow rules are not supported");
        }
        if (config.hasMatcher() || config.hasShadowMatcher()) {
            throw reject.at(path + ".matcher", "the matcher API is not supported; use rules");
        }
        if (!config.hasRules()) {
            // Envoy: no rules means the filter is a no-op.
            return new RbacFilter(RbacFilter.Action.LOG, List.of());
        }
        return rules(config.getRules(), reject, path + ".rules", false);
    }

    /** An RBAC filter with only {@code shadow_rules}: Istio's gate for ext_authz (AuthorizationPolicy CUSTOM). */
    record Shadow(String statPrefix, RbacFilter rules) {}

    /**
     * The filter's shadow rules when it has only those (it enforces nothing; an ext_authz filter after it may read
     * which shadow policy matched), null when it has none. Shadow rules beside enforcing rules are NACKed.
     */
    static Shadow parseShadow(Any any, Rejector reject, String path) throws ResourceRejectedException {
        var config = TypedAny.unpack(any, TYPE, io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.parser(),
                reject, path);
        if (!config.hasShadowRules()) {
            return null;
        }
        if (config.hasRules()) {
            throw reject.at(path + ".shadow_rules", "shadow rules are supported only on their own (the gate of an"
                    + " ext_authz filter), not beside enforcing rules");
        }
        if (config.hasMatcher() || config.hasShadowMatcher()) {
            throw reject.at(path + ".matcher", "the matcher API is not supported; use rules");
        }
        return new Shadow(config.getShadowRulesStatPrefix(),
                rules(config.getShadowRules(), reject, path + ".shadow_rules", false));
    }

    /**
     * {@code envoy.filters.network.rbac} ({@code extensions.filters.network.rbac.v3.RBAC}): judged once per
     * connection, after the mTLS handshake, on what a connection has (peer identity, addresses, ports, SNI). A field
     * Weft does not apply, or a matcher that needs an HTTP request (headers, paths, JWT metadata), is NACKed.
     */
    static RbacFilter parseNetwork(Any any, Rejector reject, String path) throws ResourceRejectedException {
        var config = TypedAny.unpack(any, NETWORK_TYPE,
                io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC.parser(), reject, path);
        var rest = config.toBuilder().clearRules().clearStatPrefix();
        if (config.getEnforcementType() == io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC
                .EnforcementType.ONE_TIME_ON_FIRST_BYTE) {
            rest.clearEnforcementType();
        }
        if (TypedAny.firstSetField(rest.build()) instanceof String unsupported) {
            throw reject.at(path + "." + unsupported, "not supported by Weft's network RBAC");
        }
        if (config.getStatPrefix().isEmpty()) {
            throw reject.at(path + ".stat_prefix", "missing stat_prefix");
        }
        if (!config.hasRules()) {
            return new RbacFilter(RbacFilter.Action.LOG, List.of()); // Envoy: no rules, no effect
        }
        return rules(config.getRules(), reject, path + ".rules", true);
    }

    private static RbacFilter rules(RBAC rules, Rejector reject, String rp, boolean network)
            throws ResourceRejectedException {
        RbacFilter.Action action = switch (rules.getAction()) {
            case ALLOW -> RbacFilter.Action.ALLOW;
            case DENY -> RbacFilter.Action.DENY;
            case LOG -> RbacFilter.Action.LOG;
            default -> throw reject.at(rp + ".action", "unsupported action " + rules.getAction());
        };
        if (rules.hasAuditLoggingOptions()) {
            throw reject.at(rp + ".audit_logging_options", "not supported");
        }
        List<RbacPolicy> policies = new ArrayList<>();
        // Name order: the map's order is unspecified on the wire; a stable one keeps decisions reproducible.
        for (Map.Entry<String, Policy> e : new TreeMap<>(rules.getPoliciesMap()).entrySet()) {
            String pp = rp + ".policies[" + e.getKey() + "]";
            Policy p = e.getValue();
            if (p.hasCondition() || p.hasCheckedCondition()) {
                throw reject.at(pp + ".condition", "CEL conditions are not supported");
            }
            if (p.getPermissionsCount() == 0 || p.getPrincipalsCount() == 0) {
                throw reject.at(pp, "a policy needs at least one permission and one principal");
            }
            List<RbacMatcher> permissions = new ArrayList<>();
            for (int i = 0; i < p.getPermissionsCount(); i++) {
                String at = pp + ".permissions[" + i + "]";
                if (network) {
                    checkNetworkPermission(p.getPermissions(i), reject, at, 0);
                }
                permissions.add(permission(p.getPermissions(i), reject, at, 0));
            }
            List<RbacMatcher> principals = new ArrayList<>();
            for (int i = 0; i < p.getPrincipalsCount(); i++) {
                String at = pp + ".principals[" + i + "]";
                if (network) {
                    checkNetworkPrincipal(p.getPrincipals(i), reject, at, 0);
                }
                principals.add(principal(p.getPrincipals(i), reject, at, 0));
            }
            policies.add(new RbacPolicy(e.getKey(), permissions, principals));
        }
        return new RbacFilter(action, policies);
    }

    /** A connection has no request: header and path permissions would never match, so they are refused. */
    private static void checkNetworkPermission(Permission p, Rejector reject, String path, int depth)
            throws ResourceRejectedException {
        if (depth > MAX_DEPTH) {
            return; // permission() reports the depth
        }
        switch (p.getRuleCase()) {
            case HEADER, URL_PATH -> throw reject.at(path + "." + (p.hasHeader() ? "header" : "url_path"),
                    "needs an HTTP request; a network RBAC filter judges connections");
            case AND_RULES -> {
                for (int i = 0; i < p.getAndRules().getRulesCount(); i++) {
                    checkNetworkPermission(p.getAndRules().getRules(i), reject, path + ".and_rules.rules[" + i + "]", depth + 1);
                }
            }
            case OR_RULES -> {
                for (int i = 0; i < p.getOrRules().getRulesCount(); i++) {
                    checkNetworkPermission(p.getOrRules().getRules(i), reject, path + ".or_rules.rules[" + i + "]", depth + 1);
                }
            }
            case NOT_RULE -> checkNetworkPermission(p.getNotRule(), reject, path + ".not_rule", depth + 1);
            default -> { }
        }
    }

    private static void checkNetworkPrincipal(Principal p, Rejector reject, String path, int depth)
            throws ResourceRejectedException {
        if (depth > MAX_DEPTH) {
            return;
        }
        switch (p.getIdentifierCase()) {
            case HEADER, METADATA -> throw reject.at(path + "." + (p.hasHeader() ? "header" : "metadata"),
                    "needs an HTTP request; a network RBAC filter judges connections");
            case AND_IDS -> {
                for (int i = 0; i < p.getAndIds().getIdsCount(); i++) {
                    checkNetworkPrincipal(p.getAndIds().getIds(i), reject, path + ".and_ids.ids[" + i + "]", depth + 1);
                }
            }
            case OR_IDS -> {
                for (int i = 0; i < p.getOrIds().getIdsCount(); i++) {
                    checkNetworkPrincipal(p.getOrIds().getIds(i), reject, path + ".or_ids.ids[" + i + "]", depth + 1);
                }
            }
            case NOT_ID -> checkNetworkPrincipal(p.getNotId(), reject, path + ".not_id", depth + 1);
            default -> { }
        }
    }

    private static RbacMatcher permission(Permission p, Rejector reject, String path, int depth)
            throws ResourceRejectedException {
        if (depth > MAX_DEPTH) {
            throw reject.at(path, "nested deeper than " + MAX_DEPTH);
        }
        return switch (p.getRuleCase()) {
            case ANY -> new RbacMatcher.Any();
            case AND_RULES -> {
                List<RbacMatcher> all = new ArrayList<>();
                for (int i = 0; i < p.getAndRules().getRulesCount(); i++) {
                    all.add(permission(p.getAndRules().getRules(i), reject, path + ".and_rules.rules[" + i + "]", depth + 1));
                }
                yield new RbacMatcher.And(all);
            }
            case OR_RULES -> {
                List<RbacMatcher> any = new ArrayList<>();
                for (int i = 0; i < p.getOrRules().getRulesCount(); i++) {
                    any.add(permission(p.getOrRules().getRules(i), reject, path + ".or_rules.rules[" + i + "]", depth + 1));
                }
                yield new RbacMatcher.Or(any);
            }
            case NOT_RULE -> new RbacMatcher.Not(permission(p.getNotRule(), reject, path + ".not_rule", depth + 1));
            case HEADER -> header(p.getHeader(), reject, path + ".header");
            case URL_PATH -> {
                var pm = p.getUrlPath();
                if (!pm.hasPath()) {
                    throw reject.at(path + ".url_path", "only path matchers are supported");
                }
                yield new RbacMatcher.UrlPath(RouteConfigurationParser.stringMatcher(pm.getPath(), reject,
                        path + ".url_path.path"));
            }
            case DESTINATION_PORT -> new RbacMatcher.DestinationPort(p.getDestinationPort());
            case DESTINATION_IP -> new RbacMatcher.DestinationIp(cidr(p.getDestinationIp(), reject, path + ".destination_ip"));
            case REQUESTED_SERVER_NAME -> new RbacMatcher.RequestedServerName(RouteConfigurationParser.stringMatcher(
                    p.getRequestedServerName(), reject, path + ".requested_server_name"));
            default -> throw reject.at(path, "unsupported permission " + p.getRuleCase());
        };
    }

    private static RbacMatcher principal(Principal p, Rejector reject, String path, int depth)
            throws ResourceRejectedException {
        if (depth > MAX_DEPTH) {
            throw reject.at(path, "nested deeper than " + MAX_DEPTH);
        }
        return switch (p.getIdentifierCase()) {
            case ANY -> new RbacMatcher.Any();
            case AND_IDS -> {
                List<RbacMatcher> all = new ArrayList<>();
                for (int i = 0; i < p.getAndIds().getIdsCount(); i++) {
                    all.add(principal(p.getAndIds().getIds(i), reject, path + ".and_ids.ids[" + i + "]", depth + 1));
                }
                yield new RbacMatcher.And(all);
            }
            case OR_IDS -> {
                List<RbacMatcher> any = new ArrayList<>();
                for (int i = 0; i < p.getOrIds().getIdsCount(); i++) {
                    any.add(principal(p.getOrIds().getIds(i), reject, path + ".or_ids.ids[" + i + "]", depth + 1));
                }
                yield new RbacMatcher.Or(any);
            }
            case NOT_ID -> new RbacMatcher.Not(principal(p.getNotId(), reject, path + ".not_id", depth + 1));
            case AUTHENTICATED -> new RbacMatcher.Authenticated(p.getAuthenticated().hasPrincipalName()
                    ? RouteConfigurationParser.stringMatcher(p.getAuthenticated().getPrincipalName(), reject,
                    path + ".authenticated.principal_name") : null);
            case DIRECT_REMOTE_IP -> new RbacMatcher.DirectRemoteIp(cidr(p.getDirectRemoteIp(), reject, path + ".direct_remote_ip"));
            case REMOTE_IP -> new RbacMatcher.RemoteIp(cidr(p.getRemoteIp(), reject, path + ".remote_ip"));
            case SOURCE_IP -> new RbacMatcher.DirectRemoteIp(cidr(p.getSourceIp(), reject, path + ".source_ip"));
            case HEADER -> header(p.getHeader(), reject, path + ".header");
            case METADATA -> requestPrincipal(p.getMetadata(), reject, path + ".metadata");
            default -> throw reject.at(path, "unsupported principal " + p.getIdentifierCase());
        };
    }

    private static RbacMatcher header(HeaderMatcher h, Rejector reject, String path) throws ResourceRejectedException {
        if (h.getName().isEmpty()) {
            throw reject.at(path + ".name", "missing header name");
        }
        StringMatcher m = switch (h.getHeaderMatchSpecifierCase()) {
            case STRING_MATCH -> RouteConfigurationParser.stringMatcher(h.getStringMatch(), reject, path + ".string_match");
            case EXACT_MATCH -> new StringMatcher.Exact(h.getExactMatch(), false);
            case PREFIX_MATCH -> new StringMatcher.Prefix(h.getPrefixMatch(), false);
            case SUFFIX_MATCH -> new StringMatcher.Suffix(h.getSuffixMatch(), false);
            case PRESENT_MATCH -> new StringMatcher.Prefix("", false);
            default -> throw reject.at(path, "unsupported header match " + h.getHeaderMatchSpecifierCase());
        };
        return new RbacMatcher.Header(h.getName().toLowerCase(java.util.Locale.ROOT), m, h.getInvertMatch());
    }

    /**
     * Istio's {@code istio_authn} metadata, which Weft's proxy fills from the jwt_authn filter's verified token:
     * {@code request.auth.principal} / {@code audiences} / {@code presenter} with a {@code string_match}, and
     * {@code request.auth.claims} + claim path with a {@code list_match.one_of.string_match} (or a string_match).
     */
    private static RbacMatcher requestPrincipal(MetadataMatcher m, Rejector reject, String path)
            throws ResourceRejectedException {
        if (!AUTHN_FILTER.equals(m.getFilter()) || m.getPathCount() == 0) {
            throw reject.at(path, "only istio_authn request.auth.* metadata is supported");
        }
        List<String> keys = new ArrayList<>();
        for (var seg : m.getPathList()) {
            keys.add(seg.getKey());
        }
        String attribute = keys.getFirst();
        RbacMatcher r;
        if (attribute.equals("request.auth.claims")) {
            if (keys.size() < 2) {
                throw reject.at(path + ".path", "request.auth.claims needs the claim name as a second path segment");
            }
            StringMatcher value;
            if (m.getValue().hasListMatch() && m.getValue().getListMatch().hasOneOf()
                    && m.getValue().getListMatch().getOneOf().hasStringMatch()) {
                value = RouteConfigurationParser.stringMatcher(m.getValue().getListMatch().getOneOf().getStringMatch(),
                        reject, path + ".value.list_match.one_of.string_match");
            } else if (m.getValue().hasStringMatch()) {
                value = RouteConfigurationParser.stringMatcher(m.getValue().getStringMatch(), reject,
                        path + ".value.string_match");
            } else {
                throw reject.at(path + ".value", "claims need list_match.one_of.string_match or string_match");
            }
            r = new RbacMatcher.RequestClaim(keys.subList(1, keys.size()), value);
        } else {
            if (keys.size() != 1) {
                throw reject.at(path + ".path", "unsupported istio_authn path " + keys);
            }
            if (!m.getValue().hasStringMatch()) {
                throw reject.at(path + ".value", "only string_match is supported for " + attribute);
            }
            StringMatcher value = RouteConfigurationParser.stringMatcher(m.getValue().getStringMatch(), reject,
                    path + ".value.string_match");
            r = switch (attribute) {
                case "request.auth.principal" -> new RbacMatcher.RequestPrincipal(value);
                case "request.auth.audiences" -> new RbacMatcher.RequestAudiences(value);
                case "request.auth.presenter" -> new RbacMatcher.RequestPresenter(value);
                default -> throw reject.at(path + ".path", "unsupported istio_authn attribute " + attribute
                        + " (request.auth.principal, audiences, presenter, claims are)");
            };
        }
        return m.getInvert() ? new RbacMatcher.Not(r) : r;
    }

    private static Cidr cidr(CidrRange c, Rejector reject, String path) throws ResourceRejectedException {
        try {
            return Cidr.parse(c.getAddressPrefix(), c.hasPrefixLen() ? c.getPrefixLen().getValue() : 0);
        } catch (IllegalArgumentException e) {
            throw reject.at(path, e.getMessage());
        }
    }
}
