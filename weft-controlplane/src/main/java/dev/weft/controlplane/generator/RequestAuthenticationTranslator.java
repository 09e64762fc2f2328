package dev.weft.controlplane.generator;

import com.google.protobuf.Any;
import com.google.protobuf.Empty;
import dev.weft.config.RequestAuthentications;
import dev.weft.config.model.RequestAuthentication;
import dev.weft.config.model.RequestAuthenticationSpec.ClaimToHeader;
import dev.weft.config.model.RequestAuthenticationSpec.JwtHeader;
import dev.weft.config.model.RequestAuthenticationSpec.JwtRule;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtClaimToHeader;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtProvider;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirement;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirementAndList;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirementOrList;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.RequirementRule;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * RequestAuthentication → Envoy's {@code jwt_authn} HTTP filter for one workload's inbound listener, the way Istio
 * translates it: the jwtRules of every policy selecting the workload, sorted by issuer, become providers
 * {@code origins-0..N} with their keys inline ({@code local_jwks}; Weft reads {@code jwksUri} files when loading
 * config and never fetches); one rule on prefix {@code /} requires "provider or allow_missing" (several providers:
 * any one provider, or every provider-or-allow_missing pair), so a request without a token passes, a request with
 * an invalid one is refused, and AuthorizationPolicy decides on the principal.
 */
public final class RequestAuthenticationTranslator {
    public static final String FILTER = "envoy.filters.http.jwt_authn";
    /** Istio's {@code payload_in_metadata} key. */
    static final String PAYLOAD_METADATA = "payload";

    private RequestAuthenticationTranslator() {}

    /** The jwt_authn filter for the workload, or null when no RequestAuthentication selects it. */
    public static HttpFilter filter(List<RequestAuthentication> all, String namespace, Map<String, String> labels,
                                    String service) {
        List<JwtRule> rules = new ArrayList<>();
        for (RequestAuthentication ra : RequestAuthentications.selecting(all, namespace, labels, service)) {
            rules.addAll(ra.spec().jwtRules());
        }
        if (rules.isEmpty()) {
            return null;
        }
        rules.sort(Comparator.comparing(JwtRule::issuer)); // stable: deterministic config, as Istio sorts
        JwtAuthentication.Builder config = JwtAuthentication.newBuilder().setBypassCorsPreflight(true);
        List<JwtRequirement> perProvider = new ArrayList<>();
        List<JwtRequirement> anyProvider = new ArrayList<>();
        for (int i = 0; i < rules.size(); i++) {
            String name = "origins-" + i;
            config.putProviders(name, provider(rules.get(i)));
            JwtRequirement p = JwtRequirement.newBuilder().setProviderName(name).build();
            anyProvider.add(p);
            perProvider.add(JwtRequirement.newBuilder().setRequiresAny(JwtRequirementOrList.newBuilder()
                    .addRequirements(p)
                    .addRequirements(JwtRequirement.newBuilder().setAllowMissing(Empty.getDefaultInstance())))
                    .build());
        }
        JwtRequirement requires;
        if (perProvider.size() == 1) {
            requires = perProvider.getFirst();
        } else {
            List<JwtRequirement> or = new ArrayList<>(anyProvider);
            or.add(JwtRequirement.newBuilder().setRequiresAll(JwtRequirementAndList.newBuilder()
                    .addAllRequirements(perProvider)).build());
            requires = JwtRequirement.newBuilder().setRequiresAny(JwtRequirementOrList.newBuilder()
                    .addAllRequirements(or)).build();
        }
        config.addRules(RequirementRule.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setRequires(requires));
        return HttpFilter.newBuilder().setName(FILTER).setTypedConfig(Any.pack(config.build())).build();
    }

    private static JwtProvider provider(JwtRule rule) {
        JwtProvider.Builder p = JwtProvider.newBuilder()
                .setIssuer(rule.issuer())
                .addAllAudiences(rule.audiences())
                .setForward(rule.forwards())
                .setPayloadInMetadata(PAYLOAD_METADATA)
                .setLocalJwks(DataSource.newBuilder().setInlineString(rule.jwks() == null ? "" : rule.jwks()));
        if (rule.outputPayloadToHeader() != null) {
            p.setForwardPayloadHeader(rule.outputPayloadToHeader());
        }
        for (ClaimToHeader c : rule.outputClaimToHeaders()) {
            p.addClaimToHeaders(JwtClaimToHeader.newBuilder().setHeaderName(c.header()).setClaimName(c.claim()));
        }
        for (JwtHeader h : rule.fromHeaders()) {
            p.addFromHeaders(io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtHeader.newBuilder()
                    .setName(h.name()).setValuePrefix(h.prefix() == null ? "" : h.prefix()));
        }
        p.addAllFromParams(rule.fromParams());
        p.addAllFromCookies(rule.fromCookies());
        return p.build();
    }
}
