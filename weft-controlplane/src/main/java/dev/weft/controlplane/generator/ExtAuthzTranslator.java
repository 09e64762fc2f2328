package dev.weft.controlplane.generator;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import dev.weft.config.AuthorizationPolicies;
import dev.weft.config.Hosts;
import dev.weft.config.MeshConfig;
import dev.weft.config.model.AuthorizationPolicy;
import dev.weft.config.model.AuthorizationPolicySpec.Action;
import dev.weft.config.model.ExtensionProvider;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HttpUri;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.AuthorizationRequest;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.AuthorizationResponse;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.ExtAuthz;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.HttpService;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.matcher.v3.ListStringMatcher;
import io.envoyproxy.envoy.type.matcher.v3.MetadataMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * AuthorizationPolicy {@code action: CUSTOM} → Envoy's {@code envoy.filters.http.ext_authz}, as Istio translates it:
 * a shadow RBAC filter holding the CUSTOM policies' rules (policy names prefixed {@code istio-ext-authz-},
 * {@code shadow_rules_stat_prefix: istio_ext_authz_}) marks the requests that match, and the ext_authz filter
 * after it checks only those ({@code filter_enabled_metadata} on the shadow's effective policy id). Both go before
 * the DENY and ALLOW RBAC filters: CUSTOM is evaluated first. One provider per workload, as in Istio: CUSTOM
 * policies naming different providers for the same workload become an RBAC DENY of their rules (fail closed).
 */
public final class ExtAuthzTranslator {
    public static final String FILTER = "envoy.filters.http.ext_authz";
    /** Istio's names: the shadow filter's stat prefix and the prefix of its policy names. */
    static final String SHADOW_STAT_PREFIX = "istio_ext_authz_";
    static final String POLICY_PREFIX = "istio-ext-authz-";
    static final String SHADOW_METADATA_KEY = SHADOW_STAT_PREFIX + "shadow_effective_policy_id";

    private ExtAuthzTranslator() {}

    /** The filters to put before the RBAC filters, in order; empty when no CUSTOM policy selects the workload. */
    public static List<HttpFilter> filters(MeshConfig config, String namespace, Map<String, String> labels) {
        List<AuthorizationPolicy> custom = AuthorizationPolicies.selecting(config.authorizationPolicies(), namespace,
                labels).stream().filter(p -> p.spec().effectiveAction() == Action.CUSTOM).toList();
        if (custom.isEmpty()) {
            return List.of();
        }
        Set<String> providers = new LinkedHashSet<>();
        custom.forEach(p -> providers.add(p.spec().provider().name()));
        ExtensionProvider provider = config.extensionProvider(providers.iterator().next());
        if (providers.size() > 1 || provider == null) {
            return List.of(rbacFilter(custom, RBAC.Action.DENY, "", false)); // Istio: one provider per workload
        }
        return List.of(rbacFilter(custom, RBAC.Action.ALLOW, POLICY_PREFIX, true), extAuthz(provider));
    }

    /**
     * A TCP app's listener has no ext_authz (no network ext_authz in Weft): connections matching the CUSTOM rules are
     * denied instead (fail closed), as a network RBAC DENY filter with Istio's TCP semantics (HTTP-only fields
     * dropped, so it matches more). Empty when no CUSTOM policy selects the workload.
     */
    public static List<io.envoyproxy.envoy.config.listener.v3.Filter> networkFilters(MeshConfig config, String namespace,
                                                                                    Map<String, String> labels) {
        RBAC.Builder rules = RBAC.newBuilder().setAction(RBAC.Action.DENY);
        for (AuthorizationPolicy p : AuthorizationPolicies.selecting(config.authorizationPolicies(), namespace, labels)) {
            if (p.spec().effectiveAction() != Action.CUSTOM) {
                continue;
            }
            var list = p.spec().rules();
            for (int i = 0; i < list.size(); i++) {
                rules.putPolicies("ns[" + p.meta().namespace() + "]-policy[" + p.meta().name() + "]-rule[" + i + "]",
                        AuthorizationPolicyTranslator.policy(TcpRules.withoutHttpOnlyFields(list.get(i))));
            }
        }
        if (rules.getPoliciesCount() == 0) {
            return List.of();
        }
        return List.of(io.envoyproxy.envoy.config.listener.v3.Filter.newBuilder()
                .setName(AuthorizationPolicyTranslator.NETWORK_FILTER)
                .setTypedConfig(Any.pack(io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC.newBuilder()
                        .setStatPrefix(AuthorizationPolicyTranslator.NETWORK_STAT_PREFIX).setRules(rules).build()))
                .build());
    }

    /** The CUSTOM rules as RBAC policies: enforcing (fail closed), or as the shadow rules that gate the check. */
    private static HttpFilter rbacFilter(List<AuthorizationPolicy> custom, RBAC.Action action, String prefix,
                                         boolean shadow) {
        RBAC.Builder rules = RBAC.newBuilder().setAction(action);
        for (AuthorizationPolicy p : custom) {
            var list = p.spec().rules();
            for (int i = 0; i < list.size(); i++) {
                rules.putPolicies(prefix + "ns[" + p.meta().namespace() + "]-policy[" + p.meta().name() + "]-rule[" + i
                        + "]", AuthorizationPolicyTranslator.policy(list.get(i)));
            }
        }
        var rbac = io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.newBuilder();
        if (shadow) {
            rbac.setShadowRules(rules).setShadowRulesStatPrefix(SHADOW_STAT_PREFIX);
        } else {
            rbac.setRules(rules);
        }
        return HttpFilter.newBuilder().setName(AuthorizationPolicyTranslator.FILTER)
                .setTypedConfig(Any.pack(rbac.build())).build();
    }

    private static HttpFilter extAuthz(ExtensionProvider provider) {
        String service = provider.service();
        int slash = service.indexOf('/');
        String host = Hosts.resolve(slash < 0 ? service : service.substring(slash + 1),
                slash < 0 ? "default" : service.substring(0, slash));
        String cluster = ClusterNames.outbound(provider.port(), null, host);
        java.time.Duration t = provider.effectiveTimeout();
        Duration timeout = Duration.newBuilder().setSeconds(t.getSeconds()).setNanos(t.getNano()).build();
        ExtAuthz.Builder ext = ExtAuthz.newBuilder()
                .setTransportApiVersion(ApiVersion.V3)
                .setFailureModeAllow(provider.effectiveFailOpen())
                .setStatusOnError(HttpStatus.newBuilder().setCodeValue(provider.effectiveStatusOnError()))
                .setFilterEnabledMetadata(MetadataMatcher.newBuilder()
                        .setFilter(AuthorizationPolicyTranslator.FILTER)
                        .addPath(MetadataMatcher.PathSegment.newBuilder().setKey(SHADOW_METADATA_KEY))
                        .setValue(io.envoyproxy.envoy.type.matcher.v3.ValueMatcher.newBuilder()
                                .setStringMatch(StringMatcher.newBuilder().setPrefix(POLICY_PREFIX))));
        var http = provider.envoyExtAuthzHttp();
        if (http != null) {
            AuthorizationRequest.Builder request = AuthorizationRequest.newBuilder();
            if (!http.includeRequestHeadersInCheck().isEmpty()) {
                request.setAllowedHeaders(patterns(http.includeRequestHeadersInCheck()));
            }
            http.includeAdditionalHeadersInCheck().forEach((k, v) ->
                    request.addHeadersToAdd(HeaderValue.newBuilder().setKey(k).setValue(v)));
            AuthorizationResponse.Builder response = AuthorizationResponse.newBuilder();
            if (!http.headersToUpstreamOnAllow().isEmpty()) {
                response.setAllowedUpstreamHeaders(patterns(http.headersToUpstreamOnAllow()));
            }
            if (!http.headersToDownstreamOnDeny().isEmpty()) {
                response.setAllowedClientHeaders(patterns(http.headersToDownstreamOnDeny()));
            }
            if (!http.headersToDownstreamOnAllow().isEmpty()) {
                response.setAllowedClientHeadersOnSuccess(patterns(http.headersToDownstreamOnAllow()));
            }
            HttpService.Builder hs = HttpService.newBuilder()
                    .setServerUri(HttpUri.newBuilder().setUri("http://" + host + ":" + provider.port())
                            .setCluster(cluster).setTimeout(timeout))
                    .setPathPrefix(http.pathPrefix() == null ? "" : http.pathPrefix());
            if (!request.equals(AuthorizationRequest.getDefaultInstance())) {
                hs.setAuthorizationRequest(request);
            }
            if (!response.equals(AuthorizationResponse.getDefaultInstance())) {
                hs.setAuthorizationResponse(response);
            }
            ext.setHttpService(hs);
        } else {
            ext.setGrpcService(GrpcService.newBuilder()
                    .setEnvoyGrpc(GrpcService.EnvoyGrpc.newBuilder().setClusterName(cluster).setAuthority(host))
                    .setTimeout(timeout));
        }
        return HttpFilter.newBuilder().setName(FILTER).setTypedConfig(Any.pack(ext.build())).build();
    }

    /** Istio's header patterns: {@code prefix*}, {@code *suffix} or an exact name, all ignoring case. */
    private static ListStringMatcher patterns(List<String> names) {
        ListStringMatcher.Builder list = ListStringMatcher.newBuilder();
        for (String n : names) {
            StringMatcher.Builder m = StringMatcher.newBuilder().setIgnoreCase(true);
            if (n.endsWith("*")) {
                m.setPrefix(n.substring(0, n.length() - 1));
            } else if (n.startsWith("*")) {
                m.setSuffix(n.substring(1));
            } else {
                m.setExact(n);
            }
            list.addPatterns(m);
        }
        return list.build();
    }

    static List<HttpFilter> withBefore(List<HttpFilter> first, List<HttpFilter> then) {
        if (first.isEmpty()) {
            return then;
        }
        List<HttpFilter> all = new ArrayList<>(first);
        all.addAll(then);
        return all;
    }
}
