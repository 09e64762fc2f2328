package dev.weft.config;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.OctetSequenceKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import dev.weft.config.model.RequestAuthentication;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/** RequestAuthentication loading, strict validation (keys parsed now), jwksUri files, and workload selection. */
class RequestAuthenticationTest {
    private static RSAKey rsa;
    private static String publicJwks;

    @BeforeAll
    static void keys() throws Exception {
        rsa = new RSAKeyGenerator(2048).keyID("k1").algorithm(JWSAlgorithm.RS256).generate();
        publicJwks = new JWKSet(rsa.toPublicJWK()).toString();
    }

    private static String policy(String name, String ns, String specBody) {
        return """
                apiVersion: security.istio.io/v1
                kind: RequestAuthentication
                metadata:
                  name: %s
                  namespace: %s
                spec:
                %s
                """.formatted(name, ns, specBody.indent(2).stripTrailing());
    }

    private static String jsonString(String s) {
        return "'" + s.replace("'", "''") + "'";
    }

    @Test
    void loadsInlineAndFileKeysAndSelectsWorkloads(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("keys.json"), publicJwks);
        String yaml = policy("payments-jwt", "shop", """
                selector:
                  matchLabels:
                    app: payments
                jwtRules:
                - issuer: https://issuer.example
                  audiences: [payments]
                  jwks: %s
                  fromHeaders:
                  - name: x-jwt
                    prefix: "Token "
                  fromParams: [token]
                  fromCookies: [session]
                  outputPayloadToHeader: x-jwt-payload
                  forwardOriginalToken: true
                  outputClaimToHeaders:
                  - header: x-user
                    claim: sub
                - issuer: other
                  jwksUri: file:keys.json
                """.formatted(jsonString(publicJwks))) + "---\n" + policy("mesh", "istio-system", """
                jwtRules:
                - issuer: mesh-issuer
                  jwksUri: file://%s
                """.formatted(dir.resolve("keys.json").toAbsolutePath())) + "---\n" + policy("by-service", "shop", """
                targetRef:
                  kind: Service
                  name: orders
                jwtRules:
                - issuer: orders-issuer
                  jwks: %s
                """.formatted(jsonString(publicJwks)));
        Files.writeString(dir.resolve("ra.yaml"), yaml);
        LoadResult result = ConfigLoader.load(dir);
        assertThat(result.errorReport()).isEmpty();
        var all = result.config().requestAuthentications();
        assertThat(all).hasSize(3);
        RequestAuthentication payments = all.getFirst();
        var rule = payments.spec().jwtRules().getFirst();
        assertThat(rule.audiences()).containsExactly("payments");
        assertThat(rule.fromHeaders().getFirst().prefix()).isEqualTo("Token ");
        assertThat(rule.forwards()).isTrue();
        assertThat(rule.outputClaimToHeaders().getFirst().claim()).isEqualTo("sub");
        // jwksUri files are read into jwks once the set is valid: proxies get the keys inline
        assertThat(payments.spec().jwtRules().get(1).jwks()).isEqualTo(publicJwks);
        assertThat(all.get(1).spec().jwtRules().getFirst().jwks()).isEqualTo(publicJwks);

        assertThat(RequestAuthentications.selecting(all, "shop", Map.of("app", "payments"), "payments"))
                .extracting(r -> r.meta().name()).containsExactly("payments-jwt", "mesh");
        assertThat(RequestAuthentications.selecting(all, "shop", Map.of("app", "orders"), "orders"))
                .extracting(r -> r.meta().name()).containsExactly("mesh", "by-service");
        assertThat(RequestAuthentications.selecting(all, "other", Map.of("app", "payments"), "orders"))
                .extracting(r -> r.meta().name()).containsExactly("mesh");
    }

    @Test
    void rejectsWhatCannotBeVerifiedLocallyNamingFileResourceAndField() throws Exception {
        String privateJwks = new JWKSet(rsa).toString(false);
        String octJwks = new JWKSet(new OctetSequenceKeyGenerator(256).keyID("h").generate()).toString(false);
        String okp = "{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"X25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}]}";
        String es256k = new JWKSet(new ECKeyGenerator(Curve.P_256).keyID("e").algorithm(JWSAlgorithm.RS256)
                .generate().toPublicJWK()).toString();
        String yaml = policy("bad", "shop", """
                jwtRules:
                - issuer: a
                  jwksUri: https://issuer.example/keys
                - jwks: %s
                - issuer: c
                  jwks: 'not json'
                - issuer: d
                  jwks: %s
                - issuer: e
                  jwks: %s
                - issuer: f
                - issuer: g
                  jwks: %s
                  jwksUri: file:/x
                - issuer: h
                  jwks: %s
                - issuer: i
                  jwks: %s
                  fromHeaders:
                  - name: "bad header"
                  outputClaimToHeaders:
                  - header: x-sub
                - issuer: j
                  jwksUri: file:missing.json
                """.formatted(jsonString(publicJwks), jsonString(privateJwks), jsonString(octJwks),
                jsonString(publicJwks), jsonString(okp), jsonString(es256k))) + "---\n" + policy("target", "shop", """
                selector:
                  matchLabels: {app: x}
                targetRef:
                  group: gateway.networking.k8s.io
                  kind: Gateway
                  name: gw
                  namespace: other
                """);
        String report = ConfigLoader.loadTexts(Map.of("ra.yaml", yaml)).errorReport();
        assertThat(report)
                .contains("ra.yaml:9: RequestAuthentication shop/bad: spec.jwtRules[0].jwksUri: Weft does not fetch"
                        + " keys over the network")
                .contains("spec.jwtRules[1].issuer: issuer is required")
                .contains("spec.jwtRules[2].jwks: not a valid JWKS")
                .contains("spec.jwtRules[3].jwks: keys[0] (kid \"k1\") holds private key material")
                .contains("spec.jwtRules[4].jwks: keys[0] (kid \"h\"): key type oct is not supported")
                .contains("spec.jwtRules[5]: jwks or jwksUri is required")
                .contains("spec.jwtRules[6].jwksUri: set only one of jwks and jwksUri")
                .contains("spec.jwtRules[7].jwks: keys[0]: curve X25519 is not supported (Ed25519)") // a key-agreement key
                .contains("spec.jwtRules[8].jwks: keys[0] (kid \"e\"): alg RS256 does not fit an EC key")
                .contains("spec.jwtRules[8].fromHeaders[0].name: not a valid HTTP header name")
                .contains("spec.jwtRules[8].outputClaimToHeaders[0].claim: claim is required")
                .contains("spec.jwtRules[9].jwksUri: cannot read")
                .contains("RequestAuthentication shop/target: spec.selector: selector and targetRef/targetRefs are"
                        + " mutually exclusive")
                .contains("spec.targetRef.kind: Weft attaches policies only to kind Service")
                .contains("spec.targetRef.group: a Service is in the core group")
                .contains("spec.targetRef.namespace: a policy can only target resources in its own namespace");
    }

    @Test
    void authorizationPolicyAcceptsJwtConditionKeys() {
        String yaml = """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: jwt, namespace: shop}
                spec:
                  rules:
                  - from:
                    - source:
                        requestPrincipals: ["https://issuer.example/*"]
                    when:
                    - key: request.auth.claims[groups]
                      values: [admin]
                    - key: request.auth.claims[realm][role]
                      values: [ops]
                    - key: request.auth.audiences
                      values: [payments]
                    - key: request.auth.presenter
                      notValues: [bad]
                    - key: request.auth.claims
                      values: [x]
                """;
        String report = ConfigLoader.loadTexts(Map.of("ap.yaml", yaml)).errorReport();
        assertThat(report).contains("spec.rules[0].when[4].key: unsupported condition key \"request.auth.claims\"");
        assertThat(report.lines().count()).isEqualTo(1);
    }
}
