package dev.weft.tests;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.weft.tests.harness.Mesh;
import dev.weft.tests.harness.MeshClient;
import dev.weft.tests.harness.Reply;
import dev.weft.tests.harness.Workload;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * RequestAuthentication through real processes: the api's sidecar verifies JWTs against keys read from a
 * {@code file:} jwksUri, an AuthorizationPolicy opens {@code /public} to anyone and requires a request principal
 * (and for {@code /admin} a group claim) elsewhere. No token: 200 on the open path, 403 on the others; a valid
 * token: 200 with the claim copied into a header and the token itself not forwarded; a forged or expired token:
 * Envoy's 401.
 */
class RequestAuthenticationTest {
    private static final String API = "api:9080";
    private static final String ISSUER = "https://issuer.test";

    private static Mesh mesh;
    private static Workload client;
    private static RSAKey key;

    @BeforeAll
    static void startMesh() throws Exception {
        key = new RSAKeyGenerator(2048).keyID("test-1").generate();
        mesh = Mesh.create("jwt");
        Files.writeString(mesh.configDir().resolve("api-keys.json"), new JWKSet(key.toPublicJWK()).toString());
        mesh.writeConfig("jwt.yaml", """
                apiVersion: security.istio.io/v1
                kind: RequestAuthentication
                metadata: {name: api-jwt, namespace: default}
                spec:
                  selector: {matchLabels: {app: api}}
                  jwtRules:
                  - issuer: %s
                    audiences: [api]
                    jwksUri: file:api-keys.json
                    outputClaimToHeaders:
                    - {header: x-user, claim: sub}
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: api-access, namespace: default}
                spec:
                  selector: {matchLabels: {app: api}}
                  rules:
                  - to:
                    - operation: {paths: ["/public*"]}
                  - from:
                    - source: {requestPrincipals: ["%s/*"]}
                    to:
                    - operation: {paths: ["/private*"]}
                  - from:
                    - source: {requestPrincipals: ["*"]}
                    to:
                    - operation: {paths: ["/admin*"]}
                    when:
                    - key: request.auth.claims[groups]
                      values: [admin]
                """.formatted(ISSUER, ISSUER));
        mesh.startControlPlane();
        client = mesh.addEchoWorkload("client", "client", "v1", 8080);
        mesh.addEchoWorkload("api", "api", "v1", 9080);
        mesh.awaitReady();
        MeshClient warmUp = mesh.clientOf(client);
        await().atMost(Mesh.STARTUP).pollInterval(Duration.ofMillis(200))
                .until(() -> warmUp.tryGet(API, "/public").status() == 200);
    }

    @AfterAll
    static void stopMesh() {
        if (mesh != null) {
            mesh.close();
        }
    }

    private static String token(RSAKey signingKey, long expiresInSeconds, List<String> groups) throws Exception {
        long now = System.currentTimeMillis() / 1000;
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("test-1").build(),
                new JWTClaimsSet.Builder().issuer(ISSUER).subject("alice").audience("api")
                        .issueTime(new Date(now * 1000)).expirationTime(new Date((now + expiresInSeconds) * 1000))
                        .claim("groups", groups).build());
        jwt.sign(new RSASSASigner(signingKey));
        return jwt.serialize();
    }

    @Test
    void withoutATokenOnlyTheOpenPathIsAllowed() throws Exception {
        MeshClient c = mesh.clientOf(client);
        assertThat(c.get(API, "/public/info").status()).isEqualTo(200);
        Reply denied = c.get(API, "/private/data");
        assertThat(denied.status()).isEqualTo(403);
        assertThat(denied.body()).isEqualTo("RBAC: access denied");
    }

    @Test
    void aValidTokenGivesThePrincipalAndItsClaims() throws Exception {
        MeshClient c = mesh.clientOf(client);
        String user = token(key, 300, List.of("dev"));
        Reply ok = c.get(API, "/private/data", "Authorization", "Bearer " + user, "x-user", "mallory");
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.json().path("headers").path("x-user").asText()).isEqualTo("alice"); // not the client's value
        assertThat(ok.json().path("headers").has("authorization")).isFalse(); // forwardOriginalToken: false
        assertThat(c.get(API, "/admin/panel", "Authorization", "Bearer " + user).status()).isEqualTo(403);
        assertThat(c.get(API, "/admin/panel", "Authorization", "Bearer " + token(key, 300, List.of("admin")))
                .status()).isEqualTo(200);
    }

    @Test
    void forgedAndExpiredTokensGet401() throws Exception {
        MeshClient c = mesh.clientOf(client);
        RSAKey attacker = new RSAKeyGenerator(2048).keyID("test-1").generate();
        Reply forged = c.get(API, "/public/info", "Authorization", "Bearer " + token(attacker, 300, List.of("admin")));
        assertThat(forged.status()).isEqualTo(401);
        assertThat(forged.body()).isEqualTo("Jwt verification fails");
        assertThat(forged.header("www-authenticate")).isEqualTo(
                "Bearer realm=\"http://" + API + "/public/info\", error=\"invalid_token\"");
        Reply expired = c.get(API, "/public/info", "Authorization", "Bearer " + token(key, -600, List.of()));
        assertThat(expired.status()).isEqualTo(401);
        assertThat(expired.body()).isEqualTo("Jwt is expired");
    }
}
