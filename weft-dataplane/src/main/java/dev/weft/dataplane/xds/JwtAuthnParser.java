package dev.weft.dataplane.xds;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.weft.dataplane.authn.JwtAuthnConfig;
import dev.weft.dataplane.authn.JwtProvider;
import dev.weft.dataplane.authn.JwtRequirement;
import dev.weft.dataplane.authn.TokenLocation;
import dev.weft.dataplane.authn.VerificationKey;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtClaimToHeader;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtHeader;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.RequirementRule;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * {@code envoy.filters.http.jwt_authn} ({@code extensions.filters.http.jwt_authn.v3.JwtAuthentication}) →
 * {@link JwtAuthnConfig}. Keys come only inline ({@code local_jwks.inline_string}: Weft fetches nothing) and are
 * parsed into verifiers here, once per config. Every field outside what Istio's RequestAuthentication translation
 * emits is NACKed naming it: an authentication rule the proxy cannot apply must never become "no check".
 */
public final class JwtAuthnParser {
    public static final String FILTER_NAME = "envoy.filters.http.jwt_authn";
    static final String TYPE = TypedAny.url("envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication");
    /** Envoy's default clock skew when {@code clock_skew_seconds} is 0. */
    private static final int DEFAULT_CLOCK_SKEW_SECONDS = 60;
    /** Claims Istio treats as space-separated lists when matching ({@code scope: "a b"} holds a and b). */
    private static final Set<String> SPACE_DELIMITED_CLAIMS = Set.of("scope", "permission");
    private static final int MAX_DEPTH = 16;

    private JwtAuthnParser() {}

    /** Parses one filter's typed_config outside a listener (tests, tools); errors name {@code listenerName}. */
    public static JwtAuthnConfig parse(Any any, String listenerName) throws ResourceRejectedException {
        return parse(any, new Rejector("Listener", listenerName), "typed_config");
    }

    static JwtAuthnConfig parse(Any any, Rejector reject, String path) throws ResourceRejectedException {
        JwtAuthentication config = TypedAny.unpack(any, TYPE, JwtAuthentication.parser(), reject, path);
        onlyFields(config, Set.of("providers", "rules", "bypass_cors_preflight"), reject, path);
        Map<String, JwtProvider> providers = new LinkedHashMap<>();
        for (var e : new TreeMap<>(config.getProvidersMap()).entrySet()) {
            providers.put(e.getKey(), provider(e.getKey(), e.getValue(), reject, path + ".providers[" + e.getKey() + "]"));
        }
        List<JwtAuthnConfig.Rule> rules = new ArrayList<>();
        for (int i = 0; i < config.getRulesCount(); i++) {
            String rp = path + ".rules[" + i + "]";
            RequirementRule rule = config.getRules(i);
            onlyFields(rule, Set.of("match", "requires"), reject, rp);
            RouteMatch m = rule.getMatch();
            onlyFields(m, Set.of("prefix", "path"), reject, rp + ".match");
            if (m.getPathSpecifierCase() == RouteMatch.PathSpecifierCase.PATHSPECIFIER_NOT_SET) {
                throw reject.at(rp + ".match", "a prefix or path is required");
            }
            JwtRequirement req = rule.hasRequires() ? requirement(rule.getRequires(), providers.keySet(), reject,
                    rp + ".requires", 0) : null;
            if (req == null) {
                continue; // Envoy: a rule without requirement means "no verification" for the paths it matches
            }
            rules.add(new JwtAuthnConfig.Rule(m.hasPrefix() || m.getPathSpecifierCase() == RouteMatch.PathSpecifierCase.PREFIX
                    ? m.getPrefix() : null, m.getPathSpecifierCase() == RouteMatch.PathSpecifierCase.PATH ? m.getPath() : null,
                    req));
        }
        return new JwtAuthnConfig(providers, rules, config.getBypassCorsPreflight());
    }

    private static JwtProvider provider(String name, io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtProvider p,
                                        Rejector reject, String path) throws ResourceRejectedException {
        if (p.hasRemoteJwks()) {
            throw reject.at(path + ".remote_jwks", "Weft does not fetch keys over the network; use local_jwks");
        }
        onlyFields(p, Set.of("issuer", "audiences", "local_jwks", "forward", "from_headers", "from_params",
                "from_cookies", "forward_payload_header", "pad_forward_payload_header", "payload_in_metadata",
                "clock_skew_seconds", "claim_to_headers", "clear_route_cache"), reject, path);
        if (p.getPadForwardPayloadHeader()) {
            throw reject.at(path + ".pad_forward_payload_header", "not supported (the payload is sent unpadded)");
        }
        if (!p.hasLocalJwks() || p.getLocalJwks().getSpecifierCase()
                != io.envoyproxy.envoy.config.core.v3.DataSource.SpecifierCase.INLINE_STRING) {
            throw reject.at(path + ".local_jwks", "keys are needed inline (local_jwks.inline_string)");
        }
        List<VerificationKey> keys;
        try {
            keys = VerificationKey.parseJwks(p.getLocalJwks().getInlineString());
        } catch (IllegalArgumentException e) {
            throw reject.at(path + ".local_jwks.inline_string", e.getMessage());
        }
        List<TokenLocation> locations = new ArrayList<>();
        for (int i = 0; i < p.getFromHeadersCount(); i++) {
            JwtHeader h = p.getFromHeaders(i);
            if (h.getName().isEmpty()) {
                throw reject.at(path + ".from_headers[" + i + "].name", "missing header name");
            }
            locations.add(new TokenLocation.Header(h.getName(), h.getValuePrefix()));
        }
        for (String param : p.getFromParamsList()) {
            locations.add(new TokenLocation.Param(param));
        }
        for (String cookie : p.getFromCookiesList()) {
            locations.add(new TokenLocation.Cookie(cookie));
        }
        List<JwtProvider.ClaimToHeader> claims = new ArrayList<>();
        for (int i = 0; i < p.getClaimToHeadersCount(); i++) {
            JwtClaimToHeader c = p.getClaimToHeaders(i);
            if (c.getHeaderName().isEmpty() || c.getClaimName().isEmpty()) {
                throw reject.at(path + ".claim_to_headers[" + i + "]", "header_name and claim_name are required");
            }
            claims.add(new JwtProvider.ClaimToHeader(c.getHeaderName().toLowerCase(java.util.Locale.ROOT),
                    c.getClaimName()));
        }
        int skew = p.getClockSkewSeconds() == 0 ? DEFAULT_CLOCK_SKEW_SECONDS : p.getClockSkewSeconds();
        String payloadHeader = p.getForwardPayloadHeader().isEmpty() ? null
                : p.getForwardPayloadHeader().toLowerCase(java.util.Locale.ROOT);
        return new JwtProvider(name, p.getIssuer(), Set.copyOf(p.getAudiencesList()), keys, locations, p.getForward(),
                payloadHeader, claims, skew, SPACE_DELIMITED_CLAIMS);
    }

    private static JwtRequirement requirement(io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirement r,
                                              Set<String> providers, Rejector reject, String path, int depth)
            throws ResourceRejectedException {
        if (depth > MAX_DEPTH) {
            throw reject.at(path, "nested deeper than " + MAX_DEPTH);
        }
        return switch (r.getRequiresTypeCase()) {
            case PROVIDER_NAME -> {
                if (!providers.contains(r.getProviderName())) {
                    throw reject.at(path + ".provider_name", "unknown provider " + r.getProviderName());
                }
                yield new JwtRequirement.ProviderName(r.getProviderName());
            }
            case REQUIRES_ANY -> new JwtRequirement.RequiresAny(list(r.getRequiresAny().getRequirementsList(),
                    providers, reject, path + ".requires_any.requirements", depth));
            case REQUIRES_ALL -> new JwtRequirement.RequiresAll(list(r.getRequiresAll().getRequirementsList(),
                    providers, reject, path + ".requires_all.requirements", depth));
            case ALLOW_MISSING -> new JwtRequirement.AllowMissing();
            case ALLOW_MISSING_OR_FAILED -> new JwtRequirement.AllowMissingOrFailed();
            default -> throw reject.at(path, "unsupported requirement " + r.getRequiresTypeCase()
                    + " (provider_name, requires_any, requires_all, allow_missing, allow_missing_or_failed are)");
        };
    }

    private static List<JwtRequirement> list(List<io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirement> in,
                                             Set<String> providers, Rejector reject, String path, int depth)
            throws ResourceRejectedException {
        if (in.isEmpty()) {
            throw reject.at(path, "at least one requirement is needed");
        }
        List<JwtRequirement> out = new ArrayList<>();
        for (int i = 0; i < in.size(); i++) {
            out.add(requirement(in.get(i), providers, reject, path + "[" + i + "]", depth + 1));
        }
        return out;
    }

    /** NACKs any set field not in {@code known}, naming them. */
    private static void onlyFields(Message m, Set<String> known, Rejector reject, String path)
            throws ResourceRejectedException {
        String unknown = m.getAllFields().keySet().stream().map(FieldDescriptor::getName)
                .filter(n -> !known.contains(n)).sorted().collect(Collectors.joining(", "));
        if (!unknown.isEmpty()) {
            throw reject.at(path, "unsupported field(s): " + unknown);
        }
    }
}
