package dev.weft.controlplane.ca;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.controlplane.ControlPlane;
import dev.weft.controlplane.ControlPlaneOptions;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The CA and the bootstrap API through a real control plane and real HTTP. */
class IdentityServiceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    private ControlPlane start() throws Exception {
        Files.createDirectories(dir.resolve("config"));
        return ControlPlane.start(new ControlPlaneOptions(dir.resolve("config"), 0, 0, "127.0.0.1", dir.resolve("data"),
                Duration.ofMillis(50), Duration.ofSeconds(1)), new CaOptions("cluster.local", Duration.ofHours(2), null, null, null));
    }

    @Test
    void rootKeyIsPrivateAndSurvivesRestart_certificatesCarryTheTokensIdentity() throws Exception {
        X509Certificate firstRoot;
        X509Certificate leafBefore;
        try (ControlPlane cp = start()) {
            Path key = dir.resolve("data/ca/root-key.pem");
            assertThat(Files.getPosixFilePermissions(key)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
            assertThat(Files.getPosixFilePermissions(dir.resolve("data/ca/token-key"))).isEqualTo(PosixFilePermissions.fromString("rw-------"));
            assertThat(Files.getPosixFilePermissions(dir.resolve("data/ca"))).isEqualTo(PosixFilePermissions.fromString("rwx------"));
            firstRoot = cp.identity().ca().trustBundle().getFirst();
            String token = mint(cp, "shop", "payments").body().strip();
            KeyPair pair = CertificateAuthority.newKeyPair();
            HttpResponse<String> issued = csr(cp, "Bearer " + token, csrPem(pair), null);
            assertThat(issued.statusCode()).isEqualTo(200);
            JsonNode body = JSON.readTree(issued.body());
            assertThat(body.get("spiffeId").asText()).isEqualTo("spiffe://cluster.local/ns/shop/sa/payments");
            leafBefore = Pem.certificates(body.get("certificateChain").asText()).getFirst();
            assertThat(leafBefore.getPublicKey()).isEqualTo(pair.getPublic());
            assertThat(SpiffeIds.fromCertificate(leafBefore, "cluster.local")).map(SpiffeId::uri)
                    .contains("spiffe://cluster.local/ns/shop/sa/payments");
            assertThat(Duration.between(Instant.now(), leafBefore.getNotAfter().toInstant())).isBetween(Duration.ofMinutes(115), Duration.ofHours(2));
            leafBefore.verify(firstRoot.getPublicKey());
        }
        try (ControlPlane cp = start()) {
            X509Certificate root = cp.identity().ca().trustBundle().getFirst();
            assertThat(root).isEqualTo(firstRoot);
            leafBefore.verify(root.getPublicKey()); // issued before the restart, still valid after it
        }
    }

    @Test
    void forgedExpiredMissingAndOtherIdentityTokensAreRefused() throws Exception {
        try (ControlPlane cp = start()) {
            KeyPair pair = CertificateAuthority.newKeyPair();
            String csr = csrPem(pair);
            String token = mint(cp, "shop", "payments").body().strip();

            HttpResponse<String> missing = csr(cp, null, csr, null);
            assertThat(missing.statusCode()).isEqualTo(401);
            assertThat(missing.body()).contains("missing join token");

            // change the identity inside the payload: the signature no longer matches
            String[] parts = token.split("\\.");
            String payload = new String(Base64.getUrlDecoder().decode(parts[1])).replace("payments", "admin");
            String forged = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(payload.getBytes()) + "." + parts[2];
            HttpResponse<String> forgedReply = csr(cp, "Bearer " + forged, csr, null);
            assertThat(forgedReply.statusCode()).isEqualTo(401);
            assertThat(forgedReply.body()).contains("signature is invalid");

            // a token from another control plane (another key)
            JoinTokens other = new JoinTokens(new byte[32], Clock.systemUTC());
            assertThat(csr(cp, "Bearer " + other.mint("shop", "payments", Duration.ofMinutes(5)), csr, null).statusCode()).isEqualTo(401);

            // expired: minted by the same key with a clock an hour behind
            byte[] key = java.util.HexFormat.of().parseHex(Files.readString(dir.resolve("data/ca/token-key")).strip());
            JoinTokens past = new JoinTokens(key, Clock.fixed(Instant.now().minus(Duration.ofHours(1)), ZoneOffset.UTC));
            HttpResponse<String> expired = csr(cp, "Bearer " + past.mint("shop", "payments", Duration.ofMinutes(5)), csr, null);
            assertThat(expired.statusCode()).isEqualTo(401);
            assertThat(expired.body()).contains("expired");

            // the identity comes from the token, never from the CSR's subject
            HttpResponse<String> ok = csr(cp, "Bearer " + token, csrPem(pair, "CN=spiffe://cluster.local/ns/istio-system/sa/admin"), null);
            assertThat(JSON.readTree(ok.body()).get("spiffeId").asText()).isEqualTo("spiffe://cluster.local/ns/shop/sa/payments");

            // a CSR whose signature is not by the key it carries: no proof of possession
            KeyPair other2 = CertificateAuthority.newKeyPair();
            String mismatched = Pem.encode(new JcaPKCS10CertificationRequestBuilder(new X500Name("O=weft"), pair.getPublic())
                    .build(CertificateAuthority.signer(other2.getPrivate())));
            HttpResponse<String> bad = csr(cp, "Bearer " + token, mismatched, null);
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(bad.body()).contains("CSR signature does not verify");
        }
    }

    @Test
    void renewalWithTheCurrentCertificateKeepsTheIdentity() throws Exception {
        try (ControlPlane cp = start()) {
            KeyPair first = CertificateAuthority.newKeyPair();
            String token = mint(cp, "shop", "cart").body().strip();
            String chain = JSON.readTree(csr(cp, "Bearer " + token, csrPem(first), null).body()).get("certificateChain").asText();

            KeyPair next = CertificateAuthority.newKeyPair();
            String nextCsr = csrPem(next);
            String auth = "Weft-Cert " + Base64.getEncoder().encodeToString(chain.getBytes());
            HttpResponse<String> renewed = csr(cp, auth, nextCsr, proof(first, nextCsr));
            assertThat(renewed.statusCode()).as(renewed.body()).isEqualTo(200);
            assertThat(JSON.readTree(renewed.body()).get("spiffeId").asText()).isEqualTo("spiffe://cluster.local/ns/shop/sa/cart");

            // a proof made with a key other than the certificate's
            HttpResponse<String> stolen = csr(cp, auth, nextCsr, proof(CertificateAuthority.newKeyPair(), nextCsr));
            assertThat(stolen.statusCode()).isEqualTo(401);
            assertThat(stolen.body()).contains("proof signature does not verify");
        }
    }

    @Test
    void operatorSuppliedIntermediateSignsAndIsSentInTheChain() throws Exception {
        CertificateAuthority root = CertificateAuthority.loadOrCreate(dir.resolve("root"), "cluster.local", Duration.ofHours(1));
        KeyPair interKeys = CertificateAuthority.newKeyPair();
        // the root signs an intermediate CA certificate through the same code path a CA operator would use
        X509Certificate inter = TestCerts.intermediate(root, dir.resolve("root/root-key.pem"), interKeys);
        Files.writeString(dir.resolve("inter.pem"), Pem.encode(inter, root.signingCertificate()));
        Files.writeString(dir.resolve("inter-key.pem"), Pem.encode(interKeys.getPrivate()));
        CertificateAuthority ca = CertificateAuthority.fromFiles(dir.resolve("inter.pem"), dir.resolve("inter-key.pem"), null,
                "cluster.local", Duration.ofHours(1));
        KeyPair leafKeys = CertificateAuthority.newKeyPair();
        List<X509Certificate> chain = ca.sign(Pem.csr(csrPem(leafKeys)), new SpiffeId("cluster.local", "a", "b"), Duration.ofMinutes(10));
        assertThat(chain).hasSize(2);
        chain.get(0).verify(inter.getPublicKey());
        assertThat(ca.trustBundle()).containsExactly(root.signingCertificate());
        assertThatThrownBy(() -> CertificateAuthority.fromFiles(dir.resolve("inter.pem"), dir.resolve("root/root-key.pem"), null,
                "cluster.local", Duration.ofHours(1))).hasMessageContaining("is not the private key");
    }

    @Test
    void extraRootsJoinTheTrustBundleForRootRotation() throws Exception {
        CertificateAuthority next = CertificateAuthority.loadOrCreate(dir.resolve("next-root"), "cluster.local", Duration.ofHours(1));
        Path caDir = dir.resolve("data/ca");
        CertificateAuthority current = CertificateAuthority.loadOrCreate(caDir, "cluster.local", Duration.ofHours(1));
        Files.writeString(caDir.resolve(CertificateAuthority.EXTRA_ROOTS), Pem.encode(next.signingCertificate()));
        CertificateAuthority reloaded = CertificateAuthority.loadOrCreate(caDir, "cluster.local", Duration.ofHours(1));
        // old root signs, both are trusted: workloads accept peers from either while certificates roll over
        assertThat(reloaded.signingCertificate()).isEqualTo(current.signingCertificate());
        assertThat(reloaded.trustBundle()).containsExactly(current.signingCertificate(), next.signingCertificate());
    }

    @Test
    void metricsCountRequestsIssuedCertificatesFailuresByReasonLatencyAndRootExpiry() throws Exception {
        try (ControlPlane cp = start()) {
            String token = mint(cp, "shop", "payments").body().strip();
            KeyPair pair = CertificateAuthority.newKeyPair();
            assertThat(csr(cp, "Bearer " + token, csrPem(pair), null).statusCode()).isEqualTo(200);
            assertThat(csr(cp, "Bearer " + token, csrPem(CertificateAuthority.newKeyPair()), null).statusCode()).isEqualTo(200);
            assertThat(csr(cp, "Bearer forged", csrPem(pair), null).statusCode()).isEqualTo(401);
            assertThat(csr(cp, null, csrPem(pair), null).statusCode()).isEqualTo(401);
            assertThat(csr(cp, "Bearer " + token, "not a CSR", null).statusCode()).isEqualTo(400);
            // a CSR carrying one key but signed by another: parses, but its signature does not verify
            PKCS10CertificationRequest mismatched = new JcaPKCS10CertificationRequestBuilder(new X500Name("O=weft"),
                    pair.getPublic()).build(CertificateAuthority.signer(CertificateAuthority.newKeyPair().getPrivate()));
            assertThat(csr(cp, "Bearer " + token, Pem.encode(mismatched), null).statusCode()).isEqualTo(400);

            String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cp.httpPort() + "/metrics"))
                    .build(), HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics).contains("\ncitadel_server_csr_count 6\n", "\ncitadel_server_success_cert_issuance_count 2\n",
                    "\ncitadel_server_authentication_failure_count 2\n", "\ncitadel_server_csr_parsing_err_count 1\n",
                    "\ncitadel_server_csr_sign_err_count 1\n",
                    "\nweft_ca_issuance_failures_total{reason=\"bad_token\"} 2\n",
                    "\nweft_ca_issuance_failures_total{reason=\"bad_csr\"} 1\n",
                    "\nweft_ca_issuance_failures_total{reason=\"csr_rejected\"} 1\n",
                    "\nweft_ca_issuance_duration_seconds_count 2\n",
                    "\nweft_ca_issuance_duration_seconds_bucket{le=\"+Inf\"} 2\n",
                    "\ncitadel_server_root_cert_expiry_timestamp "
                            + cp.identity().ca().trustBundle().getFirst().getNotAfter().getTime() / 1000 + "\n");
        }
    }

    private HttpResponse<String> mint(ControlPlane cp, String ns, String sa) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cp.httpPort()
                + "/v1/tokens?namespace=" + ns + "&serviceAccount=" + sa + "&ttl=5m")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> csr(ControlPlane cp, String auth, String csrPem, String proof) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cp.httpPort() + "/v1/certificates"))
                .POST(HttpRequest.BodyPublishers.ofString(csrPem));
        if (auth != null) {
            b.header("Authorization", auth);
        }
        if (proof != null) {
            b.header("X-Weft-Proof", proof);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String csrPem(KeyPair pair) throws Exception {
        return csrPem(pair, "O=weft");
    }

    static String csrPem(KeyPair pair, String subject) throws Exception {
        PKCS10CertificationRequest csr = new JcaPKCS10CertificationRequestBuilder(new X500Name(subject), pair.getPublic())
                .build(CertificateAuthority.signer(pair.getPrivate()));
        return Pem.encode(csr);
    }

    private static String proof(KeyPair key, String csrPem) throws Exception {
        Signature sig = Signature.getInstance("SHA256withECDSA");
        sig.initSign(key.getPrivate());
        sig.update(Pem.csr(csrPem).getEncoded());
        return Base64.getEncoder().encodeToString(sig.sign());
    }
}
