package dev.weft.dataplane.xds;

import dev.weft.dataplane.config.HashPolicy;
import dev.weft.dataplane.config.HeaderMutations;
import dev.weft.dataplane.config.Route;
import dev.weft.dataplane.config.RouteAction;
import dev.weft.dataplane.config.RouteMatch;
import dev.weft.dataplane.config.RouteTable;
import dev.weft.dataplane.config.StringMatcher;
import dev.weft.dataplane.config.VirtualHost;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * RouteConfiguration (RDS, or inline in a listener) → {@link RouteTable}. Regexes are compiled here, once; a field
 * whose meaning Weft would change by ignoring it is rejected.
 */
public final class RouteConfigurationParser {
    /** Envoy's route timeout when the route does not set one. */
    static final Duration DEFAULT_ROUTE_TIMEOUT = Duration.ofSeconds(15);

    private RouteConfigurationParser() {}

    public static RouteTable parse(RouteConfiguration config) throws ResourceRejectedException {
        return parse(config, true);
    }

    /**
     * @param perFilterConfigOnWire false when no route of the serialized configuration had
     *                              {@code typed_per_filter_config} ({@link WireFields}): the routes' maps are then
     *                              not read, which would build descriptors
     */
    static RouteTable parse(RouteConfiguration config, boolean perFilterConfigOnWire) throws ResourceRejectedException {
        Rejector reject = new Rejector("RouteConfiguration", config.getName());
        if (config.getName().isEmpty()) {
            throw reject.at("name", "missing route configuration name");
        }
        return parse(config, reject, "", perFilterConfigOnWire);
    }

    /** Also used for route configurations inline in a listener; {@code base} prefixes field paths. */
    static RouteTable parse(RouteConfiguration config, Rejector reject, String base, boolean perFilterConfigOnWire)
            throws ResourceRejectedException {
        String prefix = base.isEmpty() ? "" : base + ".";
        if (config.getRequestHeadersToAddCount() > 0 || config.getResponseHeadersToAddCount() > 0
                || config.getRequestHeadersToRemoveCount() > 0 || config.getResponseHeadersToRemoveCount() > 0) {
            throw reject.at(prefix + "request_headers_to_add", "route-configuration-level header mutations are not"
                    + " supported; set them on virtual hosts or routes");
        }
        List<VirtualHost> hosts = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Set<String> domains = new HashSet<>();
        for (int i = 0; i < config.getVirtualHostsCount(); i++) {
            String path = prefix + "virtual_hosts[" + i + "]";
            var vh = config.getVirtualHosts(i);
            if (!names.add(vh.getName())) {
                throw reject.at(path + ".name", "duplicate virtual host name " + vh.getName());
            }
            if (vh.getDomainsCount() == 0) {
                throw reject.at(path + ".domains", "at least one domain is required");
            }
            for (int d = 0; d < vh.getDomainsCount(); d++) {
                String domain = vh.getDomains(d).toLowerCase(java.util.Locale.ROOT);
                checkDomain(domain, reject, path + ".domains[" + d + "]");
                if (!domains.add(domain)) {
                    throw reject.at(path + ".domains[" + d + "]", "domain " + domain
                            + " appears in more than one virtual host");
                }
            }
            if (vh.getRequireTls() != io.envoyproxy.envoy.config.route.v3.VirtualHost.TlsRequirementType.NONE) {
                throw reject.at(path + ".require_tls", "not supported");
            }
            List<Route> routes = new ArrayList<>();
            for (int r = 0; r < vh.getRoutesCount(); r++) {
                routes.add(parseRoute(vh.getRoutes(r), perFilterConfigOnWire, reject, path + ".routes[" + r + "]"));
            }
            hosts.add(new VirtualHost(vh.getName(), vh.getDomainsList().stream()
                    .map(s -> s.toLowerCase(java.util.Locale.ROOT)).toList(), routes,
                    headers(vh.getRequestHeadersToAddList(), vh.getRequestHeadersToRemoveList(), reject,
                            path + ".request_headers_to_add"),
                    headers(vh.getResponseHeadersToAddList(), vh.getResponseHeadersToRemoveList(), reject,
                            path + ".response_headers_to_add")));
        }
        return new RouteTable(config.getName(), hosts);
    }

    private static void checkDomain(String domain, Rejector reject, String path) throws ResourceRejectedException {
        if (domain.isEmpty()) {
            throw reject.at(path, "empty domain");
        }
        if (domain.equals("*")) {
            return;
        }
        int stars = domain.length() - domain.replace("*", "").length();
        if (stars > 1 || stars == 1 && !domain.startsWith("*") && !domain.endsWith("*")) {
            throw reject.at(path, "invalid domain " + domain + ": a wildcard may only start or end it");
        }
    }

    private static Route parseRoute(io.envoyproxy.envoy.config.route.v3.Route route, boolean perFilterConfig,
                                    Rejector reject, String path) throws ResourceRejectedException {
        RouteMatch match = parseMatch(route.getMatch(), reject, path + ".match");
        RouteAction action = switch (route.getActionCase()) {
            case ROUTE -> parseForward(route.getRoute(), reject, path + ".route");
            case REDIRECT -> parseRedirect(route.getRedirect(), reject, path + ".redirect");
            case DIRECT_RESPONSE -> parseDirect(route.getDirectResponse(), reject, path + ".direct_response");
            case ACTION_NOT_SET -> throw reject.at(path, "a route needs route, redirect or direct_response");
            default -> throw reject.at(path, "unsupported route action " + route.getActionCase());
        };
        return new Route(route.getName(), match, action,
                headers(route.getRequestHeadersToAddList(), route.getRequestHeadersToRemoveList(), reject,
                        path + ".request_headers_to_add"),
                headers(route.getResponseHeadersToAddList(), route.getResponseHeadersToRemoveList(), reject,
                        path + ".response_headers_to_add"),
                perFilterConfig && route.containsTypedPerFilterConfig(FaultPolicyParser.FILTER_NAME)
                        ? FaultPolicyParser.parse(route.getTypedPerFilterConfigOrThrow(FaultPolicyParser.FILTER_NAME),
                                reject, path + ".typed_per_filter_config[" + FaultPolicyParser.FILTER_NAME + "]")
                        : null,
                route.hasRoute() ? mirrors(route.getRoute(), reject, path + ".route.request_mirror_policies")
                        : List.of(),
                perFilterConfig && route.containsTypedPerFilterConfig(LocalRateLimitParser.FILTER_NAME)
                        ? LocalRateLimitParser.parse(route.getTypedPerFilterConfigOrThrow(
                                LocalRateLimitParser.FILTER_NAME), true, reject,
                                path + ".typed_per_filter_config[" + LocalRateLimitParser.FILTER_NAME + "]")
                        : null);
    }

    /** {@code request_mirror_policies}: a cluster and a runtime fraction's default; the rest is NACKed. */
    private static List<dev.weft.dataplane.mirror.MirrorPolicy> mirrors(
            io.envoyproxy.envoy.config.route.v3.RouteAction a, Rejector reject, String path)
            throws ResourceRejectedException {
        List<dev.weft.dataplane.mirror.MirrorPolicy> out = new ArrayList<>();
        for (int i = 0; i < a.getRequestMirrorPoliciesCount(); i++) {
            var m = a.getRequestMirrorPolicies(i);
            String mPath = path + "[" + i + "]";
            if (m.getCluster().isEmpty()) {
                throw reject.at(mPath + ".cluster", "missing cluster name (cluster_header is not supported)");
            }
            var rest = m.toBuilder().clearCluster().clearRuntimeFraction().clearTraceSampled()
                    .clearDisableShadowHostSuffixAppend().build();
            if (!rest.equals(rest.getDefaultInstanceForType())) {
                throw reject.at(mPath + "." + TypedAny.firstSetField(rest),
                        "not supported");
            }
            int ppm = dev.weft.dataplane.mirror.MirrorPolicy.MILLION; // no runtime_fraction: every request
            if (m.hasRuntimeFraction()) {
                var f = m.getRuntimeFraction().getDefaultValue();
                long scale = switch (f.getDenominator()) {
                    case HUNDRED -> 10_000;
                    case TEN_THOUSAND -> 100;
                    case MILLION -> 1;
                    default -> throw reject.at(mPath + ".runtime_fraction.default_value.denominator",
                            "unknown denominator " + f.getDenominator());
                };
                ppm = (int) Math.min(Integer.toUnsignedLong(f.getNumerator()) * scale,
                        dev.weft.dataplane.mirror.MirrorPolicy.MILLION);
            }
            out.add(new dev.weft.dataplane.mirror.MirrorPolicy(m.getCluster(), ppm,
                    !m.getDisableShadowHostSuffixAppend()));
        }
        return out;
    }

    private static RouteMatch parseMatch(io.envoyproxy.envoy.config.route.v3.RouteMatch m, Rejector reject,
                                         String path) throws ResourceRejectedException {
        RouteMatch.PathMatch pathMatch = switch (m.getPathSpecifierCase()) {
            case PREFIX -> new RouteMatch.PathMatch.Prefix(m.getPrefix());
            case PATH -> new RouteMatch.PathMatch.Exact(m.getPath());
            case SAFE_REGEX -> new RouteMatch.PathMatch.Regex(regex(m.getSafeRegex(), reject, path + ".safe_regex"));
            case PATHSPECIFIER_NOT_SET -> throw reject.at(path, "one of prefix, path or safe_regex is required");
            default -> throw reject.at(path, "unsupported path match " + m.getPathSpecifierCase());
        };
        if (m.hasRuntimeFraction()) {
            throw reject.at(path + ".runtime_fraction", "not supported");
        }
        if (m.hasGrpc()) {
            throw reject.at(path + ".grpc", "not supported");
        }
        if (m.hasTlsContext()) {
            throw reject.at(path + ".tls_context", "not supported");
        }
        if (m.getDynamicMetadataCount() > 0) {
            throw reject.at(path + ".dynamic_metadata", "not supported");
        }
        boolean caseSensitive = !m.hasCaseSensitive() || m.getCaseSensitive().getValue();
        List<RouteMatch.HeaderMatch> headers = new ArrayList<>();
        for (int i = 0; i < m.getHeadersCount(); i++) {
            headers.add(parseHeaderMatch(m.getHeaders(i), reject, path + ".headers[" + i + "]"));
        }
        List<RouteMatch.QueryParameterMatch> params = new ArrayList<>();
        for (int i = 0; i < m.getQueryParametersCount(); i++) {
            QueryParameterMatcher q = m.getQueryParameters(i);
            String qPath = path + ".query_parameters[" + i + "]";
            if (q.getName().isEmpty()) {
                throw reject.at(qPath + ".name", "missing query parameter name");
            }
            StringMatcher value = switch (q.getQueryParameterMatchSpecifierCase()) {
                case STRING_MATCH -> stringMatcher(q.getStringMatch(), reject, qPath + ".string_match");
                case PRESENT_MATCH -> {
                    if (!q.getPresentMatch()) {
                        throw reject.at(qPath + ".present_match", "present_match: false is not supported");
                    }
                    yield null;
                }
                default -> null;
            };
            params.add(new RouteMatch.QueryParameterMatch(q.getName(), value));
        }
        return new RouteMatch(pathMatch, caseSensitive, headers, params);
    }

    private static RouteMatch.HeaderMatch parseHeaderMatch(HeaderMatcher h, Rejector reject, String path)
            throws ResourceRejectedException {
        String name = h.getName().toLowerCase(java.util.Locale.ROOT);
        if (name.isEmpty()) {
            throw reject.at(path + ".name", "missing header name");
        }
        boolean invert = h.getInvertMatch();
        return switch (h.getHeaderMatchSpecifierCase()) {
            case STRING_MATCH -> new RouteMatch.HeaderMatch(name,
                    stringMatcher(h.getStringMatch(), reject, path + ".string_match"), false, invert);
            // A false present_match means "absent": the inverse of a presence check.
            case PRESENT_MATCH -> new RouteMatch.HeaderMatch(name, null, true, invert != !h.getPresentMatch());
            case EXACT_MATCH -> new RouteMatch.HeaderMatch(name, new StringMatcher.Exact(h.getExactMatch(), false),
                    false, invert);
            case PREFIX_MATCH -> new RouteMatch.HeaderMatch(name,
                    new StringMatcher.Prefix(h.getPrefixMatch(), false), false, invert);
            case SUFFIX_MATCH -> new RouteMatch.HeaderMatch(name,
                    new StringMatcher.Suffix(h.getSuffixMatch(), false), false, invert);
            case CONTAINS_MATCH -> new RouteMatch.HeaderMatch(name,
                    new StringMatcher.Contains(h.getContainsMatch(), false), false, invert);
            case SAFE_REGEX_MATCH -> new RouteMatch.HeaderMatch(name, new StringMatcher.Regex(
                    regex(h.getSafeRegexMatch(), reject, path + ".safe_regex_match")), false, invert);
            // No specifier: Envoy matches when the header is present.
            case HEADERMATCHSPECIFIER_NOT_SET -> new RouteMatch.HeaderMatch(name, null, true, invert);
            default -> throw reject.at(path, "unsupported header match " + h.getHeaderMatchSpecifierCase());
        };
    }

    static StringMatcher stringMatcher(io.envoyproxy.envoy.type.matcher.v3.StringMatcher m, Rejector reject,
                                       String path) throws ResourceRejectedException {
        boolean ic = m.getIgnoreCase();
        return switch (m.getMatchPatternCase()) {
            case EXACT -> new StringMatcher.Exact(m.getExact(), ic);
            case PREFIX -> new StringMatcher.Prefix(m.getPrefix(), ic);
            case SUFFIX -> new StringMatcher.Suffix(m.getSuffix(), ic);
            case CONTAINS -> new StringMatcher.Contains(m.getContains(), ic);
            case SAFE_REGEX -> new StringMatcher.Regex(regex(m.getSafeRegex(), reject, path + ".safe_regex"));
            default -> throw reject.at(path, "unsupported string match " + m.getMatchPatternCase());
        };
    }

    static Pattern regex(RegexMatcher m, Rejector reject, String path) throws ResourceRejectedException {
        try {
            return Pattern.compile(m.getRegex());
        } catch (PatternSyntaxException e) {
            throw reject.at(path + ".regex", "invalid regex " + m.getRegex() + ": " + e.getDescription());
        }
    }

    private static RouteAction.Forward parseForward(io.envoyproxy.envoy.config.route.v3.RouteAction a,
                                                    Rejector reject, String path) throws ResourceRejectedException {
        if (a.getUpgradeConfigsCount() > 0) {
            // per-route enabling/disabling would change which upgrades pass: NACK rather than ignore
            throw reject.at(path + ".upgrade_configs", "per-route upgrade settings are not supported (the"
                    + " HttpConnectionManager's upgrade_configs apply)");
        }
        List<RouteAction.WeightedCluster> clusters = new ArrayList<>();
        switch (a.getClusterSpecifierCase()) {
            case CLUSTER -> {
                if (a.getCluster().isEmpty()) {
                    throw reject.at(path + ".cluster", "missing cluster name");
                }
                clusters.add(new RouteAction.WeightedCluster(a.getCluster(), 1, HeaderMutations.NONE,
                        HeaderMutations.NONE));
            }
            case WEIGHTED_CLUSTERS -> {
                WeightedCluster wc = a.getWeightedClusters();
                long total = 0;
                for (int i = 0; i < wc.getClustersCount(); i++) {
                    var c = wc.getClusters(i);
                    String cPath = path + ".weighted_clusters.clusters[" + i + "]";
                    if (c.getName().isEmpty()) {
                        throw reject.at(cPath + ".name", "missing cluster name");
                    }
                    if (!c.hasWeight()) {
                        throw reject.at(cPath + ".weight", "missing weight");
                    }
                    int weight = c.getWeight().getValue();
                    if (weight < 0) {
                        throw reject.at(cPath + ".weight", "weight out of range: " + Integer.toUnsignedString(weight));
                    }
                    total += weight;
                    clusters.add(new RouteAction.WeightedCluster(c.getName(), weight,
                            headers(c.getRequestHeadersToAddList(), c.getRequestHeadersToRemoveList(), reject,
                                    cPath + ".request_headers_to_add"),
                            headers(c.getResponseHeadersToAddList(), c.getResponseHeadersToRemoveList(), reject,
                                    cPath + ".response_headers_to_add")));
                }
                if (clusters.isEmpty()) {
                    throw reject.at(path + ".weighted_clusters.clusters", "at least one cluster is required");
                }
                if (total == 0 || total > Integer.MAX_VALUE) {
                    throw reject.at(path + ".weighted_clusters", "total weight must be between 1 and "
                            + Integer.MAX_VALUE + ", got " + total);
                }
            }
            default -> throw reject.at(path, "unsupported cluster specifier " + a.getClusterSpecifierCase());
        }
        if (a.getHostRewriteSpecifierCase() != io.envoyproxy.envoy.config.route.v3.RouteAction
                .HostRewriteSpecifierCase.HOST_REWRITE_LITERAL
                && a.getHostRewriteSpecifierCase() != io.envoyproxy.envoy.config.route.v3.RouteAction
                .HostRewriteSpecifierCase.HOSTREWRITESPECIFIER_NOT_SET) {
            throw reject.at(path, "unsupported host rewrite " + a.getHostRewriteSpecifierCase());
        }
        String prefixRewrite = a.getPrefixRewrite().isEmpty() ? null : a.getPrefixRewrite();
        RouteAction.RegexRewrite regexRewrite = null;
        if (a.hasRegexRewrite()) {
            if (prefixRewrite != null) {
                throw reject.at(path + ".regex_rewrite", "prefix_rewrite and regex_rewrite are exclusive");
            }
            regexRewrite = regexRewrite(a.getRegexRewrite(), reject, path + ".regex_rewrite");
        }
        String hostRewrite = a.getHostRewriteLiteral().isEmpty() ? null : a.getHostRewriteLiteral();
        Duration timeout = a.hasTimeout() ? duration(a.getTimeout(), reject, path + ".timeout")
                : DEFAULT_ROUTE_TIMEOUT;
        List<HashPolicy> hashPolicies = new ArrayList<>();
        for (int i = 0; i < a.getHashPolicyCount(); i++) {
            var h = a.getHashPolicy(i);
            String hPath = path + ".hash_policy[" + i + "]";
            hashPolicies.add(switch (h.getPolicySpecifierCase()) {
                case HEADER -> {
                    if (h.getHeader().getHeaderName().isEmpty()) {
                        throw reject.at(hPath + ".header.header_name", "missing header name");
                    }
                    if (h.getHeader().hasRegexRewrite()) {
                        throw reject.at(hPath + ".header.regex_rewrite", "not supported");
                    }
                    yield new HashPolicy.Header(h.getHeader().getHeaderName().toLowerCase(java.util.Locale.ROOT),
                            h.getTerminal());
                }
                case COOKIE -> {
                    if (h.getCookie().getName().isEmpty()) {
                        throw reject.at(hPath + ".cookie.name", "missing cookie name");
                    }
                    yield new HashPolicy.Cookie(h.getCookie().getName(), h.getCookie().hasTtl()
                            ? duration(h.getCookie().getTtl(), reject, hPath + ".cookie.ttl") : null,
                            h.getCookie().getPath().isEmpty() ? null : h.getCookie().getPath(), h.getTerminal());
                }
                case CONNECTION_PROPERTIES -> {
                    if (!h.getConnectionProperties().getSourceIp()) {
                        throw reject.at(hPath + ".connection_properties.source_ip", "must be true");
                    }
                    yield new HashPolicy.SourceIp(h.getTerminal());
                }
                default -> throw reject.at(hPath, "unsupported hash policy " + h.getPolicySpecifierCase());
            });
        }
        dev.weft.dataplane.retry.RetryPolicy retry = a.hasRetryPolicy() ? RetryPolicyParser.parse(
                a.getRetryPolicy(), reject, path + ".retry_policy") : null;
        return new RouteAction.Forward(clusters, prefixRewrite, regexRewrite, hostRewrite, timeout, hashPolicies,
                retry);
    }

    private static RouteAction.RegexRewrite regexRewrite(RegexMatchAndSubstitute r, Rejector reject, String path)
            throws ResourceRejectedException {
        Pattern pattern = regex(r.getPattern(), reject, path + ".pattern");
        return new RouteAction.RegexRewrite(pattern, r.getSubstitution());
    }

    private static RouteAction.Redirect parseRedirect(RedirectAction r, Rejector reject, String path)
            throws ResourceRejectedException {
        String scheme = switch (r.getSchemeRewriteSpecifierCase()) {
            case HTTPS_REDIRECT -> r.getHttpsRedirect() ? "https" : null;
            case SCHEME_REDIRECT -> r.getSchemeRedirect().isEmpty() ? null
                    : r.getSchemeRedirect().toLowerCase(java.util.Locale.ROOT);
            default -> null;
        };
        String pathRedirect = null;
        String prefixRewrite = null;
        switch (r.getPathRewriteSpecifierCase()) {
            case PATH_REDIRECT -> pathRedirect = r.getPathRedirect();
            case PREFIX_REWRITE -> prefixRewrite = r.getPrefixRewrite();
            case PATHREWRITESPECIFIER_NOT_SET -> { }
            default -> throw reject.at(path, "unsupported redirect path rewrite " + r.getPathRewriteSpecifierCase());
        }
        int status = switch (r.getResponseCode()) {
            case MOVED_PERMANENTLY -> 301;
            case FOUND -> 302;
            case SEE_OTHER -> 303;
            case TEMPORARY_REDIRECT -> 307;
            case PERMANENT_REDIRECT -> 308;
            default -> throw reject.at(path + ".response_code", "unsupported response code " + r.getResponseCode());
        };
        return new RouteAction.Redirect(scheme, r.getHostRedirect().isEmpty() ? null : r.getHostRedirect(),
                r.getPortRedirect(), pathRedirect, prefixRewrite, status, r.getStripQuery());
    }

    private static RouteAction.DirectResponse parseDirect(DirectResponseAction d, Rejector reject, String path)
            throws ResourceRejectedException {
        if (d.getStatus() < 200 || d.getStatus() > 599) {
            throw reject.at(path + ".status", "status must be 200..599, got " + d.getStatus());
        }
        String body = switch (d.getBody().getSpecifierCase()) {
            case INLINE_STRING -> d.getBody().getInlineString();
            case INLINE_BYTES -> d.getBody().getInlineBytes().toStringUtf8();
            case SPECIFIER_NOT_SET -> "";
            default -> throw reject.at(path + ".body", "only inline bodies are supported");
        };
        return new RouteAction.DirectResponse(d.getStatus(), body);
    }

    static HeaderMutations headers(List<HeaderValueOption> toAdd, List<String> toRemove, Rejector reject,
                                   String path) throws ResourceRejectedException {
        if (toAdd.isEmpty() && toRemove.isEmpty()) {
            return HeaderMutations.NONE;
        }
        List<HeaderMutations.Header> set = new ArrayList<>();
        List<HeaderMutations.Header> add = new ArrayList<>();
        for (int i = 0; i < toAdd.size(); i++) {
            HeaderValueOption o = toAdd.get(i);
            String name = o.getHeader().getKey().toLowerCase(java.util.Locale.ROOT);
            checkMutableHeader(name, reject, path + "[" + i + "].header.key");
            String value = o.getHeader().getRawValue().isEmpty() ? o.getHeader().getValue()
                    : o.getHeader().getRawValue().toStringUtf8();
            boolean append;
            if (o.hasAppend()) {
                append = o.getAppend().getValue();
            } else {
                append = switch (o.getAppendAction()) {
                    case APPEND_IF_EXISTS_OR_ADD -> true;
                    case OVERWRITE_IF_EXISTS_OR_ADD -> false;
                    default -> throw reject.at(path + "[" + i + "].append_action", "unsupported append action "
                            + o.getAppendAction());
                };
            }
            (append ? add : set).add(new HeaderMutations.Header(name, value));
        }
        String removePath = path.replace("_to_add", "_to_remove");
        List<String> remove = new ArrayList<>();
        for (int i = 0; i < toRemove.size(); i++) {
            String name = toRemove.get(i).toLowerCase(java.util.Locale.ROOT);
            checkMutableHeader(name, reject, removePath + "[" + i + "]");
            remove.add(name);
        }
        return new HeaderMutations(set, add, remove);
    }

    private static void checkMutableHeader(String name, Rejector reject, String path)
            throws ResourceRejectedException {
        if (name.isEmpty()) {
            throw reject.at(path, "empty header name");
        }
        if (name.startsWith(":") || name.equals("host")) {
            throw reject.at(path, "header " + name + " cannot be modified here");
        }
    }

    static Duration duration(com.google.protobuf.Duration d, Rejector reject, String path)
            throws ResourceRejectedException {
        if (d.getSeconds() < 0 || d.getNanos() < 0 || d.getNanos() > 999_999_999) {
            throw reject.at(path, "invalid duration " + d.getSeconds() + "s " + d.getNanos() + "ns");
        }
        return Duration.ofSeconds(d.getSeconds(), d.getNanos());
    }
}
