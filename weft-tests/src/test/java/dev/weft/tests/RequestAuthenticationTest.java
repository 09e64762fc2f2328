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

    /**
     * Key rotation by rewriting the jwksUri file alone: the control plane sees the new content and pushes it, and the
     * new key is an Ed25519 (OKP) one, verified with the JDK's EdDSA. The old key stays in the set (a rotation's
     * overlap), so the other tests' tokens keep working in any order.
     */
    @Test
    void aRotatedJwksFileWithAnEd25519KeyIsPickedUpWithoutAYamlChange() throws Exception {
        MeshClient c = mesh.clientOf(client);
        java.security.KeyPair ed = java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        String edToken = ed25519Token(ed.getPrivate(), "ed-2");
        assertThat(c.get(API, "/private/data", "Authorization", "Bearer " + edToken).status())
                .as("before the rotation the key is unknown").isEqualTo(401);

        byte[] spki = ed.getPublic().getEncoded();
        com.nimbusds.jose.jwk.OctetKeyPair okp = new com.nimbusds.jose.jwk.OctetKeyPair.Builder(
                com.nimbusds.jose.jwk.Curve.Ed25519,
                com.nimbusds.jose.util.Base64URL.encode(java.util.Arrays.copyOfRange(spki, spki.length - 32, spki.length)))
                .keyID("ed-2").build();
        java.nio.file.Path keys = mesh.configDir().resolve("api-keys.json");
        java.nio.file.Path temp = mesh.configDir().resolve(".api-keys.json.tmp");
        Files.writeString(temp, new JWKSet(List.of(key.toPublicJWK(), okp)).toString());
        Files.move(temp, keys, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);

        Reply ok = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> c.tryGet(API, "/private/data", "Authorization", "Bearer " + edToken),
                        r -> r.status() == 200);
        assertThat(ok.json().path("headers").path("x-user").asText()).isEqualTo("alice");
        assertThat(c.get(API, "/private/data", "Authorization", "Bearer " + token(key, 300, List.of())).status())
                .as("the old key still verifies during the overlap").isEqualTo(200);
    }

    /** An EdDSA JWT signed with the JDK's Ed25519 (nimbus' own EdDSA signer needs Google Tink). */
    private static String ed25519Token(java.security.PrivateKey key, String kid) throws Exception {
        long now = System.currentTimeMillis() / 1000;
        String header = com.nimbusds.jose.util.Base64URL.encode(
                "{\"alg\":\"EdDSA\",\"typ\":\"JWT\",\"kid\":\"" + kid + "\"}").toString();
        String payload = com.nimbusds.jose.util.Base64URL.encode(new JWTClaimsSet.Builder().issuer(ISSUER)
                .subject("alice").audience("api").issueTime(new Date(now * 1000))
                .expirationTime(new Date((now + 300) * 1000)).build().toString()).toString();
        java.security.Signature s = java.security.Signature.getInstance("Ed25519");
        s.initSign(key);
        s.update((header + "." + payload).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        return header + "." + payload + "." + com.nimbusds.jose.util.Base64URL.encode(s.sign());
    }
}
