package dev.weft.dataplane.authn;

import com.google.protobuf.Any;
import com.google.protobuf.Empty;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.weft.dataplane.authz.AuthzRequest;
import dev.weft.dataplane.authz.RbacMatcher;
import dev.weft.dataplane.config.StringMatcher;
import dev.weft.dataplane.routing.RequestHead;
import dev.weft.dataplane.xds.JwtAuthnParser;
import dev.weft.dataplane.xds.ResourceRejectedException;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtClaimToHeader;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtProvider;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirement;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirementOrList;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.RequirementRule;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The jwt_authn filter as the data plane parses and runs it: Istio's "provider or allow_missing" requirement, and a
 * table of tokens — valid, expired, not yet valid, wrong issuer or audience, bad signature, unknown kid, alg none,
 * HMAC signed with the public key (alg confusion) — each with Envoy's status and body.
 */
class JwtAuthnTest {
    private static final String ISSUER = "https://issuer.example";
    private static final long NOW = 1_800_000_000L;
    private static RSAKey rsa;
    private static RSAKey otherRsa;
    private static ECKey ec;
    private static java.security.KeyPair ed;
    private static java.security.KeyPair otherEd;
    private static JwtAuthnConfig filter;

    @BeforeAll
    static void setUp() throws Exception {
        rsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
        otherRsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate(); // same kid, different key: a forgery
        ec = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
        ed = java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        otherEd = java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        String jwks = new JWKSet(List.of(rsa.toPublicJWK(), ec.toPublicJWK(), okp(ed, "ed-1"))).toString();
        JwtAuthentication config = JwtAuthentication.newBuilder()
                .putProviders("origins-0", JwtProvider.newBuilder().setIssuer(ISSUER).addAudiences("payments")
                        .setLocalJwks(DataSource.newBuilder().setInlineString(jwks))
                        .setPayloadInMetadata("payload")
                        .setForwardPayloadHeader("x-jwt-payload")
                        .addClaimToHeaders(JwtClaimToHeader.newBuilder().setHeaderName("x-user").setClaimName("sub"))
                        .addClaimToHeaders(JwtClaimToHeader.newBuilder().setHeaderName("x-role")
                                .setClaimName("realm.role"))
                        .build())
                .addRules(RequirementRule.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
                        .setRequires(JwtRequirement.newBuilder().setRequiresAny(JwtRequirementOrList.newBuilder()
                                .addRequirements(JwtRequirement.newBuilder().setProviderName("origins-0"))
                                .addRequirements(JwtRequirement.newBuilder().setAllowMissing(Empty.getDefaultInstance())))))
                .setBypassCorsPreflight(true)
                .build();
        filter = JwtAuthnParser.parse(Any.pack(config), "inbound");
    }

    /** The public half of a JDK Ed25519 key pair as an OKP JWK (RFC 8037): {@code x} is the raw 32-byte key. */
    private static com.nimbusds.jose.jwk.OctetKeyPair okp(java.security.KeyPair keys, String kid) {
        byte[] spki = keys.getPublic().getEncoded();
        byte[] raw = java.util.Arrays.copyOfRange(spki, spki.length - 32, spki.length);
        return new com.nimbusds.jose.jwk.OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(raw)).keyID(kid).build();
    }

    /** Signs with the JDK's Ed25519 (nimbus' own EdDSA signer needs Google Tink). */
    private static JWSSigner ed25519Signer(java.security.PrivateKey key) {
        return new JWSSigner() {
            @Override
            public Base64URL sign(JWSHeader header, byte[] signingInput) throws com.nimbusds.jose.JOSEException {
                try {
                    java.security.Signature s = java.security.Signature.getInstance("Ed25519");
                    s.initSign(key);
                    s.update(signingInput);
                    return Base64URL.encode(s.sign());
                } catch (java.security.GeneralSecurityException e) {
                    throw new com.nimbusds.jose.JOSEException(e.getMessage(), e);
                }
            }

            @Override
            public java.util.Set<JWSAlgorithm> supportedJWSAlgorithms() {
                return java.util.Set.of(JWSAlgorithm.EdDSA, JWSAlgorithm.Ed25519);
            }

            @Override
            public com.nimbusds.jose.jca.JCAContext getJCAContext() {
                return new com.nimbusds.jose.jca.JCAContext();
            }
        };
    }

    private static JWTClaimsSet.Builder claims() {
        return new JWTClaimsSet.Builder().issuer(ISSUER).subject("alice").audience(List.of("payments", "other"))
                .expirationTime(new Date((NOW + 600) * 1000)).issueTime(new Date(NOW * 1000))
                .claim("azp", "web-app").claim("groups", List.of("admin", "dev")).claim("scope", "read write")
                .claim("realm", Map.of("role", "ops"));
    }

    private static String sign(JWSSigner signer, JWSAlgorithm alg, String kid, JWTClaimsSet claims) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).keyID(kid).type(JOSEObjectType.JWT).build(), claims);
        jwt.sign(signer);
        return jwt.serialize();
    }

    private static String rs256(JWTClaimsSet claims) throws Exception {
        return sign(new RSASSASigner(rsa), JWSAlgorithm.RS256, "rsa-1", claims);
    }

    /** A request with {@code Authorization: Bearer token} (or none). */
    private static RequestHead request(String method, String path, Map<String, String> headers) {
        Map<String, String> lower = new HashMap<>();
        headers.forEach((k, v) -> lower.put(k.toLowerCase(), v));
        return new RequestHead() {
            public String method() { return method; }
            public String authority() { return "payments"; }
            public String path() { return path; }
            public String scheme() { return "http"; }
            public String header(String name) { return lower.get(name); }
            public String sourceAddress() { return "10.0.0.1"; }
        };
    }

    private static JwtAuthnConfig.Outcome bearer(String token) {
        return filter.authenticate(request("GET", "/charge", Map.of("Authorization", "Bearer " + token)), NOW);
    }

    @Test
    void tokenTable() throws Exception {
        String none = Base64URL.encode("{\"alg\":\"none\"}") + "." + Base64URL.encode(claims().build().toString()) + ".";
        byte[] publicKeyAsSecret = rsa.toRSAPublicKey().getEncoded();
        record Case(String name, String token, JwtStatus expected) {}
        List<Case> table = List.of(
                new Case("valid RS256", rs256(claims().build()), null),
                new Case("valid RS384", sign(new RSASSASigner(rsa), JWSAlgorithm.RS384, "rsa-1", claims().build()), null),
                new Case("valid PS256", sign(new RSASSASigner(rsa), JWSAlgorithm.PS256, "rsa-1", claims().build()), null),
                new Case("valid ES256", sign(new ECDSASigner(ec), JWSAlgorithm.ES256, "ec-1", claims().build()), null),
                new Case("valid EdDSA (Ed25519 OKP key)", sign(ed25519Signer(ed.getPrivate()), JWSAlgorithm.EdDSA, "ed-1",
                        claims().build()), null),
                new Case("valid Ed25519 (fully specified alg)", sign(ed25519Signer(ed.getPrivate()),
                        JWSAlgorithm.Ed25519, "ed-1", claims().build()), null),
                new Case("EdDSA without kid", sign(ed25519Signer(ed.getPrivate()), JWSAlgorithm.EdDSA, null,
                        claims().build()), null),
                new Case("EdDSA by another key, same kid", sign(ed25519Signer(otherEd.getPrivate()), JWSAlgorithm.EdDSA,
                        "ed-1", claims().build()), JwtStatus.VERIFICATION_FAILS),
                new Case("tampered EdDSA payload", tamper(sign(ed25519Signer(ed.getPrivate()), JWSAlgorithm.EdDSA, "ed-1",
                        claims().build())), JwtStatus.VERIFICATION_FAILS),
                new Case("EdDSA token naming the RSA key", sign(ed25519Signer(ed.getPrivate()), JWSAlgorithm.EdDSA,
                        "rsa-1", claims().build()), JwtStatus.KID_ALG_MISMATCH),
                new Case("no kid: every fitting key is tried", sign(new ECDSASigner(ec), JWSAlgorithm.ES256, null,
                        claims().build()), null),
                new Case("expired within the 60 s clock skew", rs256(claims().expirationTime(new Date((NOW - 30) * 1000))
                        .build()), null),
                new Case("expired", rs256(claims().expirationTime(new Date((NOW - 120) * 1000)).build()),
                        JwtStatus.EXPIRED),
                new Case("not yet valid", rs256(claims().notBeforeTime(new Date((NOW + 300) * 1000)).build()),
                        JwtStatus.NOT_YET_VALID),
                new Case("wrong issuer", rs256(claims().issuer("https://evil.example").build()), JwtStatus.UNKNOWN_ISSUER),
                new Case("wrong audience", rs256(claims().audience("billing").build()), JwtStatus.AUDIENCE_NOT_ALLOWED),
                new Case("bad signature (other key, same kid)", sign(new RSASSASigner(otherRsa), JWSAlgorithm.RS256,
                        "rsa-1", claims().build()), JwtStatus.VERIFICATION_FAILS),
                new Case("tampered payload", tamper(rs256(claims().build())), JwtStatus.VERIFICATION_FAILS),
                new Case("unknown kid", sign(new RSASSASigner(rsa), JWSAlgorithm.RS256, "rsa-2", claims().build()),
                        JwtStatus.KID_ALG_MISMATCH),
                new Case("EC key named by an RS256 token", sign(new RSASSASigner(rsa), JWSAlgorithm.RS256, "ec-1",
                        claims().build()), JwtStatus.KID_ALG_MISMATCH),
                new Case("alg none", none, JwtStatus.ALG_NOT_SUPPORTED),
                new Case("HS256 keyed with the RSA public key (alg confusion)", sign(new MACSigner(publicKeyAsSecret),
                        JWSAlgorithm.HS256, "rsa-1", claims().build()), JwtStatus.KID_ALG_MISMATCH),
                new Case("not a JWT", "abc.def", JwtStatus.BAD_FORMAT),
                new Case("header not JSON", "e30x.e30.e30", JwtStatus.HEADER_BAD_JSON));
        for (Case c : table) {
            JwtAuthnConfig.Outcome o = bearer(c.token());
            assertThat(o.failure()).as(c.name()).isEqualTo(c.expected());
            if (c.expected() == null) {
                assertThat(o.principalToken().principal()).as(c.name()).isEqualTo(ISSUER + "/alice");
            } else {
                assertThat(o.verified()).as(c.name()).isEmpty();
            }
        }
        assertThat(JwtStatus.EXPIRED.message()).isEqualTo("Jwt is expired");
        assertThat(JwtStatus.VERIFICATION_FAILS.message()).isEqualTo("Jwt verification fails");
        assertThat(JwtStatus.VERIFICATION_FAILS.httpStatus()).isEqualTo(401);
        assertThat(JwtStatus.AUDIENCE_NOT_ALLOWED.httpStatus()).isEqualTo(403);
    }

    private static String tamper(String token) {
        String[] parts = token.split("\\.");
        String payload = new String(Base64URL.from(parts[1]).decode(), StandardCharsets.UTF_8).replace("alice", "mallory");
        return parts[0] + "." + Base64URL.encode(payload) + "." + parts[2];
    }

    @Test
    void noTokenPassesWithoutPrincipalAndOutputsAreSanitised() throws Exception {
        JwtAuthnConfig.Outcome anonymous = filter.authenticate(request("GET", "/", Map.of("x-user", "spoofed")), NOW);
        assertThat(anonymous.failure()).isNull();
        assertThat(anonymous.principalToken()).isNull();
        assertThat(anonymous.removeHeaders()).contains("x-user", "x-jwt-payload", "x-role"); // a client cannot spoof them

        String token = rs256(claims().build());
        JwtAuthnConfig.Outcome ok = bearer(token);
        assertThat(ok.removeHeaders()).contains("authorization"); // forward: false
        assertThat(ok.setHeaders()).containsEntry("x-user", "alice").containsEntry("x-role", "ops")
                .containsEntry("x-jwt-payload", token.split("\\.")[1]);

        // access_token is one of Envoy's default locations; a CORS preflight is not checked at all
        assertThat(filter.authenticate(request("GET", "/x?access_token=" + tamper(token), Map.of()), NOW).failure())
                .isEqualTo(JwtStatus.VERIFICATION_FAILS);
        assertThat(filter.authenticate(request("OPTIONS", "/x", Map.of("Authorization", "Bearer junk",
                "Origin", "https://a", "Access-Control-Request-Method", "POST")), NOW).failure()).isNull();
    }

    @Test
    void verifiedTokenFeedsAuthorizationAttributes() throws Exception {
        VerifiedJwt jwt = bearer(rs256(claims().build())).principalToken();
        Function<RbacMatcher, Boolean> eval = m -> m.matches(new AuthzRequest("/", "GET", "h", h -> null, 80, null,
                null, null, null, null, jwt));
        assertThat(eval.apply(new RbacMatcher.RequestPrincipal(new StringMatcher.Exact(ISSUER + "/alice", false)))).isTrue();
        assertThat(eval.apply(new RbacMatcher.RequestAudiences(new StringMatcher.Exact("other", false)))).isTrue();
        assertThat(eval.apply(new RbacMatcher.RequestPresenter(new StringMatcher.Exact("web-app", false)))).isTrue();
        assertThat(eval.apply(new RbacMatcher.RequestClaim(List.of("groups"), new StringMatcher.Exact("admin", false)))).isTrue();
        assertThat(eval.apply(new RbacMatcher.RequestClaim(List.of("scope"), new StringMatcher.Exact("write", false)))).isTrue();
        assertThat(eval.apply(new RbacMatcher.RequestClaim(List.of("realm", "role"), new StringMatcher.Exact("ops", false)))).isTrue();
        assertThat(eval.apply(new RbacMatcher.RequestClaim(List.of("realm", "role"), new StringMatcher.Exact("admin", false)))).isFalse();
        assertThat(eval.apply(new RbacMatcher.RequestClaim(List.of("missing"), new StringMatcher.Prefix("", false)))).isFalse();
    }

    @Test
    void parserRejectsWhatItCannotApply() {
        JwtProvider good = JwtProvider.newBuilder().setIssuer(ISSUER)
                .setLocalJwks(DataSource.newBuilder().setInlineString(new JWKSet(rsa.toPublicJWK()).toString())).build();
        assertThatThrownBy(() -> parse(good.toBuilder().setRemoteJwks(
                io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.RemoteJwks.getDefaultInstance()).build()))
                .isInstanceOf(ResourceRejectedException.class).hasMessageContaining("providers[p].remote_jwks");
        assertThatThrownBy(() -> parse(good.toBuilder().setRequireExpiration(true).build()))
                .hasMessageContaining("providers[p]: unsupported field(s): require_expiration");
        assertThatThrownBy(() -> parse(good.toBuilder().setLocalJwks(DataSource.newBuilder().setInlineString("{}")).build()))
                .hasMessageContaining("providers[p].local_jwks.inline_string");
        assertThatThrownBy(() -> JwtAuthnParser.parse(Any.pack(JwtAuthentication.newBuilder().putProviders("p", good)
                .addRules(RequirementRule.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
                        .setRequires(JwtRequirement.newBuilder().setProviderName("q"))).build()), "inbound"))
                .hasMessageContaining("rules[0].requires.provider_name: unknown provider q");
    }

    private static void parse(JwtProvider p) throws ResourceRejectedException {
        JwtAuthnParser.parse(Any.pack(JwtAuthentication.newBuilder().putProviders("p", p).build()), "inbound");
    }
}
