package dev.weft.dataplane.authn;

import dev.weft.dataplane.routing.QueryParameters;
import dev.weft.dataplane.routing.RequestHead;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parsed {@code envoy.filters.http.jwt_authn} filter: providers (keys already turned into verifiers) and the
 * rules saying which requests need which tokens. {@link #authenticate} runs per request on the event loop: it
 * verifies each provider's token at most once and allocates only when a token is present.
 *
 * Rules are tried in order; the first whose path matches applies, none: the request is not checked. With
 * {@code bypassCorsPreflight}, CORS preflight requests ({@code OPTIONS} with {@code Origin} and
 * {@code Access-Control-Request-Method}) pass unchecked.
 */
public final class JwtAuthnConfig {
    private final Map<String, JwtProvider> providers;
    private final List<Rule> rules;
    private final boolean bypassCorsPreflight;
    /** Headers the filter writes; a client's own values for them never reach the app. */
    private final List<String> outputHeaders;

    public JwtAuthnConfig(Map<String, JwtProvider> providers, List<Rule> rules, boolean bypassCorsPreflight) {
        this.providers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(providers));
        this.rules = List.copyOf(rules);
        this.bypassCorsPreflight = bypassCorsPreflight;
        List<String> out = new ArrayList<>();
        for (JwtProvider p : this.providers.values()) {
            if (p.forwardPayloadHeader() != null && !p.forwardPayloadHeader().isEmpty()) {
                out.add(p.forwardPayloadHeader());
            }
            for (JwtProvider.ClaimToHeader c : p.claimToHeaders()) {
                out.add(c.headerName());
            }
        }
        this.outputHeaders = List.copyOf(out);
    }

    public Map<String, JwtProvider> providers() {
        return providers;
    }

    public List<Rule> rules() {
        return rules;
    }

    public boolean bypassCorsPreflight() {
        return bypassCorsPreflight;
    }

    /** Envoy {@code RequirementRule}: a path match ({@code prefix} or exact {@code path}) and its requirement. */
    public record Rule(String prefix, String path, JwtRequirement requirement) {
        boolean matches(String requestPath) {
            int q = requestPath.indexOf('?');
            String p = q < 0 ? requestPath : requestPath.substring(0, q);
            return path != null ? p.equals(path) : p.startsWith(prefix);
        }
    }

    /**
     * What the filter decided.
     *
     * @param failure why the request is refused, null when it may continue
     * @param verified tokens that verified, in provider order (the first gives the request principal)
     * @param removeHeaders request headers to remove (tokens not forwarded, client-sent output headers)
     * @param setHeaders request headers to set from verified tokens (payload and claim headers)
     */
    public record Outcome(JwtStatus failure, List<VerifiedJwt> verified, List<String> removeHeaders,
                          Map<String, String> setHeaders) {
        public static final Outcome PASS = new Outcome(null, List.of(), List.of(), Map.of());

        public VerifiedJwt principalToken() {
            return verified.isEmpty() ? null : verified.getFirst();
        }
    }

    public Outcome authenticate(RequestHead request, long nowEpochSeconds) {
        if (bypassCorsPreflight && "OPTIONS".equals(request.method()) && request.header("origin") != null
                && request.header("access-control-request-method") != null) {
            return Outcome.PASS;
        }
        Rule rule = null;
        for (Rule r : rules) {
            if (r.matches(request.path())) {
                rule = r;
                break;
            }
        }
        if (rule == null) {
            return Outcome.PASS;
        }
        Evaluation e = new Evaluation(request, nowEpochSeconds);
        JwtStatus status = e.eval(rule.requirement());
        if (!e.foundAny && status == JwtStatus.OK && outputHeaders.isEmpty()) {
            return Outcome.PASS; // no token anywhere: the usual anonymous request costs nothing more
        }
        List<VerifiedJwt> verified = new ArrayList<>();
        List<String> remove = new ArrayList<>(outputHeaders);
        Map<String, String> set = new LinkedHashMap<>();
        for (Map.Entry<JwtProvider, ProviderResult> r : e.results == null ? Map.<JwtProvider, ProviderResult>of().entrySet()
                : e.results.entrySet()) {
            JwtProvider p = r.getKey();
            ProviderResult pr = r.getValue();
            if (pr == null || pr.result.status() != JwtStatus.OK) {
                continue;
            }
            VerifiedJwt jwt = pr.result.jwt();
            verified.add(jwt);
            if (!p.forward() && pr.found.location() instanceof TokenLocation.Header h) {
                remove.add(h.name());
            }
            if (p.forwardPayloadHeader() != null && !p.forwardPayloadHeader().isEmpty()) {
                set.put(p.forwardPayloadHeader(), jwt.payloadBase64Url());
            }
            for (JwtProvider.ClaimToHeader c : p.claimToHeaders()) {
                String v = claimText(jwt.claims(), c.claimName());
                if (v != null) {
                    set.put(c.headerName(), v);
                }
            }
        }
        return new Outcome(status == JwtStatus.OK ? null : status, List.copyOf(verified), List.copyOf(remove), set);
    }

    /** Envoy {@code claim_to_headers}: a string, number or boolean claim; {@code a.b} walks nested objects. */
    private static String claimText(Map<String, Object> claims, String name) {
        Object v = claims.get(name);
        if (v == null && name.indexOf('.') > 0) {
            Object cur = claims;
            for (String part : name.split("\\.")) {
                cur = cur instanceof Map<?, ?> m ? m.get(part) : null;
            }
            v = cur;
        }
        return v instanceof String || v instanceof Number || v instanceof Boolean ? String.valueOf(v) : null;
    }

    private record ProviderResult(JwtProvider.Found found, JwtProvider.Result result) {}

    /** One request's evaluation: each provider's token is looked up and verified at most once. */
    private final class Evaluation {
        private final RequestHead request;
        private final QueryParameters query;
        private final long now;
        /** Providers looked at, in order: what their token gave, or a null value when none was there (one map). */
        Map<JwtProvider, ProviderResult> results;
        /** Whether any provider found a token (the common anonymous request finds none). */
        boolean foundAny;

        Evaluation(RequestHead request, long now) {
            this.request = request;
            String path = request.path();
            int q = path.indexOf('?');
            this.query = new QueryParameters(q < 0 ? null : path.substring(q + 1));
            this.now = now;
        }

        /** MISSING when the provider's token is absent, else the verification status. */
        private JwtStatus provider(JwtProvider p) {
            if (results == null) {
                results = new LinkedHashMap<>(4);
            }
            ProviderResult r;
            if (results.containsKey(p)) {
                r = results.get(p);
            } else {
                JwtProvider.Found f = p.find(request, query);
                r = f == null ? null : new ProviderResult(f, p.verify(f.token(), now));
                foundAny |= f != null;
                results.put(p, r);
            }
            return r == null ? JwtStatus.MISSING : r.result.status();
        }

        JwtStatus eval(JwtRequirement req) {
            return switch (req) {
                case JwtRequirement.ProviderName n -> {
                    JwtProvider p = providers.get(n.name());
                    yield p == null ? JwtStatus.MISSING : provider(p);
                }
                case JwtRequirement.AllowMissingOrFailed ignored -> {
                    for (JwtProvider p : providers.values()) {
                        provider(p); // verified tokens still give a principal
                    }
                    yield JwtStatus.OK;
                }
                case JwtRequirement.AllowMissing ignored -> {
                    JwtStatus firstError = null;
                    boolean anyOk = false;
                    for (JwtProvider p : providers.values()) {
                        JwtStatus s = provider(p);
                        if (s == JwtStatus.OK) {
                            anyOk = true;
                        } else if (s != JwtStatus.MISSING && firstError == null) {
                            firstError = s;
                        }
                    }
                    yield anyOk || firstError == null ? JwtStatus.OK : firstError;
                }
                case JwtRequirement.RequiresAny any -> {
                    JwtStatus error = null;
                    for (JwtRequirement r : any.requirements()) {
                        JwtStatus s = eval(r);
                        if (s == JwtStatus.OK) {
                            yield JwtStatus.OK;
                        }
                        if (error == null || error == JwtStatus.MISSING) {
                            error = s;
                        }
                    }
                    yield error == null ? JwtStatus.MISSING : error;
                }
                case JwtRequirement.RequiresAll all -> {
                    for (JwtRequirement r : all.requirements()) {
                        JwtStatus s = eval(r);
                        if (s != JwtStatus.OK) {
                            yield s;
                        }
                    }
                    yield JwtStatus.OK;
                }
            };
        }
    }
}
