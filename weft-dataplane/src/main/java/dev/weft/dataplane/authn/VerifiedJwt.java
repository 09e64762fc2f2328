package dev.weft.dataplane.authn;

import java.util.List;
import java.util.Map;

/**
 * A token that passed verification: what AuthorizationPolicy sees as {@code request.auth.*}.
 *
 * @param issuer {@code iss}
 * @param subject {@code sub} (may be null)
 * @param audiences {@code aud} as a list
 * @param presenter {@code azp}, or null
 * @param claims the whole payload (nested objects as maps, arrays as lists)
 * @param payloadBase64Url the payload part of the token as sent (for {@code forward_payload_header})
 * @param spaceDelimitedClaims claims whose string value is a space-separated list (Istio: {@code scope},
 *                             {@code permission})
 */
public record VerifiedJwt(String issuer, String subject, List<String> audiences, String presenter,
                          Map<String, Object> claims, String payloadBase64Url,
                          java.util.Set<String> spaceDelimitedClaims) {
    public VerifiedJwt {
        audiences = List.copyOf(audiences);
        spaceDelimitedClaims = java.util.Set.copyOf(spaceDelimitedClaims);
        claims = claims == null ? Map.of() : java.util.Collections.unmodifiableMap(claims);
    }

    /** Istio's request principal: {@code iss/sub}. */
    public String principal() {
        return issuer + "/" + (subject == null ? "" : subject);
    }

    /**
     * The claim at {@code path} (nested objects walked key by key) as Istio's authn filter exposes it for matching:
     * a string as one value, a list of strings as those values, a string named in {@code spaceDelimited} split on
     * spaces (see {@code spaceDelimitedClaims}); anything else none.
     */
    public List<String> claimValues(List<String> path) {
        Object v = claims;
        for (String key : path) {
            if (!(v instanceof Map<?, ?> m)) {
                return List.of();
            }
            v = m.get(key);
        }
        if (v instanceof String s) {
            return path.size() == 1 && spaceDelimitedClaims.contains(path.getFirst())
                    ? List.of(s.trim().split(" +")) : List.of(s);
        }
        if (v instanceof List<?> list) {
            List<String> out = new java.util.ArrayList<>(list.size());
            for (Object o : list) {
                if (o instanceof String s) {
                    out.add(s);
                }
            }
            return out;
        }
        return List.of();
    }
}
