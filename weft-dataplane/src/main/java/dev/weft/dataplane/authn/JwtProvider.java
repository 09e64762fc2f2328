package dev.weft.dataplane.authn;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.weft.dataplane.routing.QueryParameters;
import dev.weft.dataplane.routing.RequestHead;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One {@code jwt_authn} provider (one Istio {@code jwtRule}): where its token is, and how to verify it — in
 * Envoy's order: format, issuer, time window (with clock skew), audiences, then the signature against the keys
 * whose {@code kid} and algorithm fit. Only asymmetric algorithms are accepted, so a token signed with HMAC using a
 * public key as the secret ({@code alg} confusion) or with {@code alg: none} finds no key.
 *
 * @param audiences allowed audiences; empty: any
 * @param locations where to look for the token, in order
 * @param forward keep the token in the request after verification (else a header carrying it is removed)
 * @param forwardPayloadHeader header receiving the verified payload (base64url), or null
 * @param claimToHeaders claim → header copies after verification
 */
public record JwtProvider(String name, String issuer, Set<String> audiences, List<VerificationKey> keys,
                          List<TokenLocation> locations, boolean forward, String forwardPayloadHeader,
                          List<ClaimToHeader> claimToHeaders, long clockSkewSeconds, Set<String> spaceDelimitedClaims) {
    /** Envoy's default locations: {@code Authorization: Bearer <token>}, then the {@code access_token} parameter. */
    public static final List<TokenLocation> DEFAULT_LOCATIONS = List.of(
            new TokenLocation.Header("authorization", "Bearer "), new TokenLocation.Param("access_token"));

    /** Algorithms Envoy knows (HMAC too); only RSA, EC and EdDSA ones can find a key in Weft. */
    private static final List<JWSAlgorithm.Family> SIGNATURE_FAMILIES = List.of(JWSAlgorithm.Family.RSA,
            JWSAlgorithm.Family.EC, JWSAlgorithm.Family.HMAC_SHA, JWSAlgorithm.Family.ED);

    public JwtProvider {
        audiences = Set.copyOf(audiences);
        keys = List.copyOf(keys);
        locations = locations.isEmpty() ? DEFAULT_LOCATIONS : List.copyOf(locations);
        claimToHeaders = List.copyOf(claimToHeaders);
        spaceDelimitedClaims = Set.copyOf(spaceDelimitedClaims);
    }

    /** Envoy {@code claim_to_headers}: a claim ({@code a.b} for nested ones) copied into a request header. */
    public record ClaimToHeader(String headerName, String claimName) {}

    /** The token found at this provider's locations, with where it was found, or null. */
    public Found find(RequestHead request, QueryParameters query) {
        for (TokenLocation l : locations) {
            String token = l.extract(request, query);
            if (token != null) {
                return new Found(token, l);
            }
        }
        return null;
    }

    public record Found(String token, TokenLocation location) {}

    /** A verification outcome: {@code jwt} set exactly when {@code status} is OK. */
    public record Result(JwtStatus status, VerifiedJwt jwt) {}

    public Result verify(String token, long nowEpochSeconds) {
        JWSObject jws;
        JWTClaimsSet claims;
        if (token.chars().filter(c -> c == '.').count() != 2) {
            return fail(JwtStatus.BAD_FORMAT);
        }
        try {
            jws = JWSObject.parse(token);
        } catch (java.text.ParseException e) {
            // alg "none" (an unsecured JWT) and unknown algorithms land here as well as broken headers
            return fail(token.startsWith(".") ? JwtStatus.BAD_FORMAT : headerProblem(token));
        }
        JWSAlgorithm alg = jws.getHeader().getAlgorithm();
        if (!SIGNATURE_FAMILIES.stream().anyMatch(f -> f.contains(alg))) {
            return fail(JwtStatus.ALG_NOT_SUPPORTED);
        }
        try {
            claims = JWTClaimsSet.parse(jws.getPayload().toJSONObject());
        } catch (java.text.ParseException | RuntimeException e) {
            return fail(JwtStatus.PAYLOAD_BAD_JSON);
        }
        if (claims == null) {
            return fail(JwtStatus.PAYLOAD_BAD_JSON);
        }
        if (issuer != null && !issuer.isEmpty() && !issuer.equals(claims.getIssuer())) {
            return fail(JwtStatus.UNKNOWN_ISSUER);
        }
        Date nbf = claims.getNotBeforeTime();
        if (nbf != null && nowEpochSeconds + clockSkewSeconds < nbf.getTime() / 1000) {
            return fail(JwtStatus.NOT_YET_VALID);
        }
        Date exp = claims.getExpirationTime();
        if (exp != null && nowEpochSeconds > exp.getTime() / 1000 + clockSkewSeconds) {
            return fail(JwtStatus.EXPIRED);
        }
        List<String> aud = claims.getAudience();
        if (!audiences.isEmpty() && aud.stream().noneMatch(audiences::contains)) {
            return fail(JwtStatus.AUDIENCE_NOT_ALLOWED);
        }
        String kid = jws.getHeader().getKeyID();
        boolean anyKeyFits = false;
        for (VerificationKey key : keys) {
            if (kid != null && key.kid() != null && !kid.equals(key.kid())) {
                continue;
            }
            if (!key.accepts(alg)) {
                continue;
            }
            anyKeyFits = true;
            try {
                if (jws.verify(key.verifier())) {
                    return new Result(JwtStatus.OK, verified(claims, jws.getParsedParts()[1]));
                }
            } catch (JOSEException | IllegalStateException e) {
                // a malformed signature for this key type: try the next key, else "verification fails"
            }
        }
        return fail(anyKeyFits ? JwtStatus.VERIFICATION_FAILS : JwtStatus.KID_ALG_MISMATCH);
    }

    private VerifiedJwt verified(JWTClaimsSet claims, Base64URL payload) {
        Object azp = claims.getClaim("azp");
        return new VerifiedJwt(claims.getIssuer(), claims.getSubject(), claims.getAudience(),
                azp instanceof String s ? s : null, claims.toJSONObject(), payload.toString(), spaceDelimitedClaims);
    }

    /** Tells a header that is not JSON from one whose {@code alg} Weft does not verify ({@code none}, HMAC, ...). */
    private static JwtStatus headerProblem(String token) {
        try {
            String header = new String(new Base64URL(token.substring(0, token.indexOf('.'))).decode(),
                    StandardCharsets.UTF_8);
            Map<String, Object> json = com.nimbusds.jose.util.JSONObjectUtils.parse(header);
            return json.get("alg") instanceof String ? JwtStatus.ALG_NOT_SUPPORTED : JwtStatus.HEADER_BAD_JSON;
        } catch (java.text.ParseException | RuntimeException e) {
            return JwtStatus.HEADER_BAD_JSON;
        }
    }

    private static Result fail(JwtStatus s) {
        return new Result(s, null);
    }
}
