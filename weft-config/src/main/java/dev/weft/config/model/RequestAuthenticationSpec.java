package dev.weft.config.model;

import java.time.Duration;
import java.util.List;

/**
 * Istio {@code RequestAuthentication.spec}.
 *
 * @param selector workloads it applies to (null: the whole namespace, or the whole mesh in the root namespace)
 * @param targetRef the resource it attaches to instead of a selector ({@code kind: Service} in Weft)
 * @param targetRefs several such resources
 * @param jwtRules how to find and verify tokens; a request with a token matching none of them is rejected
 */
public record RequestAuthenticationSpec(PolicySelector selector, PolicyTargetReference targetRef,
                                        List<PolicyTargetReference> targetRefs, List<JwtRule> jwtRules) {
    public RequestAuthenticationSpec {
        targetRefs = Immutables.list(targetRefs);
        jwtRules = Immutables.list(jwtRules);
    }

    /** The target references, {@code targetRef} first. */
    public List<PolicyTargetReference> allTargetRefs() {
        if (targetRef == null) {
            return targetRefs;
        }
        List<PolicyTargetReference> all = new java.util.ArrayList<>();
        all.add(targetRef);
        all.addAll(targetRefs);
        return List.copyOf(all);
    }

    /**
     * Istio {@code JWTRule}.
     *
     * @param jwksUri Weft reads only {@code file:} URIs (no network fetch): {@code file:///abs/path} or
     *                {@code file:relative/path} (relative to the YAML file's directory)
     * @param jwks the JSON Web Key Set inline; after loading, also the content read from {@code jwksUri}
     * @param timeout Istio's JWKS fetch timeout: parsed, meaningless without a fetch
     */
    public record JwtRule(String issuer, List<String> audiences, String jwksUri, String jwks,
                          List<JwtHeader> fromHeaders, List<String> fromParams, List<String> fromCookies,
                          String outputPayloadToHeader, Boolean forwardOriginalToken,
                          List<ClaimToHeader> outputClaimToHeaders, Duration timeout) {
        public JwtRule {
            audiences = Immutables.list(audiences);
            fromHeaders = Immutables.list(fromHeaders);
            fromParams = Immutables.list(fromParams);
            fromCookies = Immutables.list(fromCookies);
            outputClaimToHeaders = Immutables.list(outputClaimToHeaders);
        }

        public boolean forwards() {
            return Boolean.TRUE.equals(forwardOriginalToken);
        }

        public JwtRule withJwks(String keys) {
            return new JwtRule(issuer, audiences, jwksUri, keys, fromHeaders, fromParams, fromCookies,
                    outputPayloadToHeader, forwardOriginalToken, outputClaimToHeaders, timeout);
        }
    }

    /** Istio {@code JWTHeader}: a header carrying the token, after an optional prefix such as {@code "Bearer "}. */
    public record JwtHeader(String name, String prefix) {}

    /** Istio {@code ClaimToHeader}: copy a claim of a verified token into a request header. */
    public record ClaimToHeader(String header, String claim) {}
}
