package dev.weft.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.dataplane.xds.NodeIdentity;
import dev.weft.dataplane.xds.XdsClient;
import dev.weft.proxy.tls.ControlPlaneTls;
import dev.weft.proxy.tls.WorkloadIdentity;
import dev.weft.tests.harness.ConnectionCountingServer;
import dev.weft.tests.harness.Mesh;
import dev.weft.tests.harness.MeshClient;
import dev.weft.tests.harness.Reply;
import dev.weft.tests.harness.Workload;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Mesh mTLS through real processes: sidecars bootstrap their identity with join tokens, talk xDS over mTLS to the
 * control plane (which runs with its production default: only authenticated streams register endpoints) and TLS 1.3
 * to each other, PeerAuthentication decides what the inbound port accepts, and certificates rotate every few seconds
 * under load.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MtlsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PAYMENTS = "payments:9080";
    private static final String LEGACY = "legacy:9090";
    /**
     * Short enough that the rotation test sees renewals (at about half-life, every ~15 s), long enough for a loaded CI:
     * the xDS stream is mTLS too, so a sidecar whose renewal lags must still hold a valid certificate when it
     * (re)connects (with 10 s, certificates arrived already expired at load 40).
     */
    private static final String CERT_TTL = "30s";

    private static Mesh mesh;
    private static Workload frontend;
    private static Workload payments;
    private static Workload legacy;
    /** A workload with a valid mesh certificate for its own service account "impostor". */
    private static Workload impostor;
    /** A plaintext sidecar (no join token) claiming to serve payments. */
    private static Workload rogue;

    @BeforeAll
    static void startMesh() {
        mesh = Mesh.create("mtls");
        mesh.writeConfig("peer-authn.yaml", """
                apiVersion: security.istio.io/v1
                kind: PeerAuthentication
                metadata:
                  name: payments-strict
                  namespace: default
                spec:
                  selector:
                    matchLabels:
                      app: payments
                  mtls:
                    mode: STRICT
                """);
        mesh.startSecureControlPlane("--cert-ttl", CERT_TTL);
        frontend = mesh.addSecureEchoWorkload("frontend", "frontend", "v1", 8080, "frontend");
        payments = mesh.addSecureEchoWorkload("payments", "payments", "v1", 9080, "payments");
        legacy = mesh.addSecureEchoWorkload("legacy", "legacy", "v1", 9090, "legacy");
        impostor = mesh.addSecureEchoWorkload("impostor", "impostor", "v1", 9070, "impostor");
        mesh.awaitReady();
        MeshClient warmUp = mesh.clientOf(frontend);
        await().atMost(Mesh.STARTUP).pollInterval(Duration.ofMillis(200))
                .until(() -> warmUp.tryGet(PAYMENTS, "/").status() == 200 && warmUp.tryGet(LEGACY, "/").status() == 200);
        rogue = mesh.addEchoWorkload("rogue", "payments", "v9", 9080); // never ready: its registration is refused
    }

    @AfterAll
    static void stopMesh() {
        if (mesh != null) {
            mesh.close();
        }
    }

    @Test
    @Order(1)
    void sidecarsTalkMutualTlsAndTheAppSeesThePeerIdentity() throws Exception {
        Reply reply = mesh.clientOf(frontend).get(PAYMENTS, "/who", "X-Forwarded-Client-Cert", "URI=spiffe://cluster.local/ns/default/sa/admin");
        assertThat(reply.status()).as("%s", reply).isEqualTo(200);
        // the forged header from the caller is replaced by what the TLS handshake proved
        assertThat(reply.json().path("headers").path("x-forwarded-client-cert").asText())
                .isEqualTo("By=spiffe://cluster.local/ns/default/sa/payments;URI=spiffe://cluster.local/ns/default/sa/frontend");
        JsonNode certs = JSON.readTree(Mesh.plainGet(payments.sidecar().adminUrl("/certs")).body());
        assertThat(certs.path("spiffeId").asText()).isEqualTo("spiffe://cluster.local/ns/default/sa/payments");
    }

    @Test
    @Order(1)
    void everySidecarRegisteredOverMutualTlsAsItsOwnIdentity() throws Exception {
        assertThat(authentications()).containsEntry("frontend", "mtls spiffe://cluster.local/ns/default/sa/frontend frontend")
                .containsEntry("payments", "mtls spiffe://cluster.local/ns/default/sa/payments payments")
                .containsEntry("legacy", "mtls spiffe://cluster.local/ns/default/sa/legacy legacy");
    }

    // the authentication cases run last, so they do not change the timing of the cases above
    @Test
    @Order(5)
    void aSidecarWithoutIdentityCannotRegisterAnEndpoint() throws Exception {
        await().atMost(Mesh.STARTUP).pollInterval(Duration.ofMillis(300)).ignoreExceptions()
                .until(() -> lastStreamError(rogue).contains("PERMISSION_DENIED"));
        assertThat(lastStreamError(rogue)).contains("unauthenticated xDS stream (plaintext")
                .contains("may not register an endpoint for payments.default.svc.cluster.local");
        assertThat(endpoints("payments.default.svc.cluster.local"))
                .containsExactly("127.0.0.1:" + payments.sidecar().inboundPort());
        MeshClient client = mesh.clientOf(frontend);
        for (int i = 0; i < 10; i++) {
            Reply reply = client.get(PAYMENTS, "/only-v1");
            assertThat(reply.status()).as("%s", reply).isEqualTo(200);
            assertThat(reply.json().path("version").asText()).isEqualTo("v1");
        }
        assertThat(rogue.app().served()).as("requests that reached the unregistered rogue").isZero();
    }

    /**
     * A process holding a valid certificate for "impostor" announces service account "payments" for the payments
     * service: refused with PERMISSION_DENIED naming both identities, so it never joins payments' endpoints or its SAN
     * list (a Weft proxy would not even start so; this is a stock xDS client with the proxy's credentials).
     */
    @Test
    @Order(5)
    void aStreamAnnouncingAnotherServiceAccountThanItsCertificateIsRefused() throws Exception {
        java.nio.file.Path token = mesh.mintToken("impostor-xds", "default", "impostor");
        java.net.URI ca = java.net.URI.create("http://127.0.0.1:" + mesh.controlPlane().httpPort());
        try (ConnectionCountingServer trap = new ConnectionCountingServer();
             WorkloadIdentity identity = WorkloadIdentity.bootstrap(ca, token)) {
            NodeIdentity claimsPayments = NodeIdentity.sidecar("payments", "default", "payments",
                    java.util.Map.of("app", "payments", "version", "v1", "security.istio.io/tlsMode", "istio"),
                    "127.0.0.1", 9080, trap.port(), "http", trap.port(), 0, java.util.List.of());
            try (XdsClient xds = new XdsClient(XdsClient.Options.of(mesh.controlPlane().xdsTlsAddress(),
                    claimsPayments, null).withCredentials(ControlPlaneTls.credentials(identity)))) {
                xds.start();
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                        .until(() -> xds.status().lastStreamError() != null);
                assertThat(xds.status().lastStreamError()).contains("PERMISSION_DENIED")
                        .contains("announces namespace 'default' and service account 'payments'")
                        .contains("its certificate is spiffe://cluster.local/ns/default/sa/impostor");
                assertThat(xds.isWarm()).as("no config for a refused stream").isFalse();
                assertThat(endpoints("payments.default.svc.cluster.local"))
                        .containsExactly("127.0.0.1:" + payments.sidecar().inboundPort());
                MeshClient client = mesh.clientOf(frontend);
                for (int i = 0; i < 20; i++) {
                    Reply paid = client.get(PAYMENTS, "/pay/" + i);
                    assertThat(paid.status()).as("%s", paid).isEqualTo(200);
                }
                assertThat(trap.connectionsAccepted()).as("connections that reached the impostor").isZero();
            }
        }
        assertThat(mesh.controlPlaneGet("/metrics").body()).containsPattern("weft_xds_streams_refused_total [1-9]");
    }

    @Test
    @Order(1)
    void metricsLabelMutualTlsTrafficWithBothPrincipals() throws Exception {
        Reply checked = mesh.clientOf(frontend).get(PAYMENTS, "/metrics-check");
        assertThat(checked.status()).as("%s", checked).isEqualTo(200);
        // the destination side labels the hop from the TLS session: peer and own SPIFFE identities, mutual_tls
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                Mesh.plainGet(payments.sidecar().adminUrl("/stats/prometheus")).body().lines()
                        .filter(l -> l.startsWith("istio_requests_total{reporter=\"destination\"")
                                && l.contains("source_workload=\"frontend-v1\"")
                                && l.contains("source_principal=\"spiffe://cluster.local/ns/default/sa/frontend\"")
                                && l.contains("destination_principal=\"spiffe://cluster.local/ns/default/sa/payments\"")
                                && l.contains("connection_security_policy=\"mutual_tls\"")))
                .isNotEmpty());
        // the source side takes destination_principal from the upstream's certificate
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                Mesh.plainGet(frontend.sidecar().adminUrl("/stats/prometheus")).body().lines()
                        .filter(l -> l.startsWith("istio_requests_total{reporter=\"source\"")
                                && l.contains("destination_workload=\"payments-v1\"")
                                && l.contains("destination_principal=\"spiffe://cluster.local/ns/default/sa/payments\"")))
                .isNotEmpty());
    }

    @Test
    @Order(1)
    void autoMtlsExpectsExactlyTheServiceAccountTheDestinationRunsAs() throws Exception {
        // the client's cluster names the one identity the registry knows for payments, not any mesh identity
        String dump = Mesh.plainGet(frontend.sidecar().adminUrl("/config_dump")).body();
        JsonNode payments = findCluster(JSON.readTree(dump), "outbound|9080||payments.default.svc.cluster.local");
        assertThat(payments).as("payments cluster in the config dump").isNotNull();
        assertThat(payments.findValues("matchTypedSubjectAltNames").toString())
                .contains("\"exact\":\"spiffe://cluster.local/ns/default/sa/payments\"").doesNotContain("prefix");
    }

    @Test
    @Order(2)
    void anEndpointPresentingAnotherServiceAccountGetsNoRequest() throws Exception {
        // ledger.internal's only endpoint is declared to run as "ledger", but what listens there is the impostor's
        // sidecar, whose certificate (valid, from the mesh CA) says "impostor"
        mesh.writeConfig("ledger.yaml", ledger("ledger"));
        MeshClient client = mesh.clientOf(frontend);
        long servedBefore = impostor.app().served();
        Reply refused = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                // 503 UH until the new ServiceEntry's endpoint arrives; then the handshake refusal, UF
                .until(() -> client.tryGet("ledger.internal:9070", "/charge"),
                        r -> r.status() == 503 && "UF".equals(r.header("x-weft-response-flags")));
        assertThat(refused.header("x-weft-response-flags")).isEqualTo("UF");
        assertThat(refused.body()).contains("TLS error").contains("spiffe://cluster.local/ns/default/sa/impostor")
                .contains("not accepted");
        assertThat(impostor.app().served()).as("requests that reached the impostor").isEqualTo(servedBefore);

        // declared as what it really is, the same endpoint is accepted
        mesh.writeConfig("ledger.yaml", ledger("impostor"));
        Reply accepted = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> client.tryGet("ledger.internal:9070", "/charge"), r -> r.status() == 200);
        assertThat(accepted.json().path("headers").path("x-forwarded-client-cert").asText())
                .isEqualTo("By=spiffe://cluster.local/ns/default/sa/impostor;URI=spiffe://cluster.local/ns/default/sa/frontend");
        assertThat(impostor.app().served()).isGreaterThan(servedBefore);
        java.nio.file.Files.delete(mesh.configDir().resolve("ledger.yaml"));
    }

    /** A mesh-internal ServiceEntry whose one endpoint is the impostor's sidecar, declared to run as {@code account}. */
    private static String ledger(String account) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata:
                  name: ledger
                  namespace: default
                spec:
                  hosts: [ledger.internal]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports:
                  - {number: 9070, name: http, protocol: HTTP}
                  endpoints:
                  - address: 127.0.0.1
                    ports: {http: %d}
                    serviceAccount: %s
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata:
                  name: ledger
                  namespace: default
                spec:
                  host: ledger.internal
                  trafficPolicy:
                    tls:
                      mode: ISTIO_MUTUAL
                """.formatted(impostor.sidecar().inboundPort(), account);
    }

    private static JsonNode findCluster(JsonNode node, String name) {
        if (node.isObject() && name.equals(node.path("name").asText()) && node.has("transportSocket")) {
            return node;
        }
        for (JsonNode child : node) {
            JsonNode found = findCluster(child, name);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    @Test
    @Order(2)
    void strictRefusesPlaintextWhilePermissiveAcceptsBoth() throws Exception {
        // a plaintext client straight at payments' inbound port (STRICT): the connection is closed, no HTTP answer
        assertThat(plaintextGet(payments.sidecar().inboundPort())).isEmpty();
        // legacy is PERMISSIVE (the default): plaintext works and carries no client identity...
        String plain = plaintextGet(legacy.sidecar().inboundPort());
        assertThat(plain).startsWith("HTTP/1.1 200");
        assertThat(plain.toLowerCase()).doesNotContain("x-forwarded-client-cert");
        // ...and mesh traffic to it is mTLS
        Reply viaMesh = mesh.clientOf(frontend).get(LEGACY, "/who");
        assertThat(viaMesh.json().path("headers").path("x-forwarded-client-cert").asText())
                .endsWith(";URI=spiffe://cluster.local/ns/default/sa/frontend");
    }

    @Test
    @Order(3)
    void certificatesRotateUnderSteadyLoadWithoutAFailedRequest() throws Exception {
        long frontendBefore = rotations(frontend);
        long paymentsBefore = rotations(payments);
        MeshClient client = mesh.clientOf(frontend);
        AtomicInteger ok = new AtomicInteger();
        // steady load until both sides renewed (each about every 15 s with a 30 s TTL; when depends on the CA's
        // answer, seconds late on a loaded machine), then a little longer so requests also meet the new certificates
        long start = System.nanoTime();
        long deadline = start + Duration.ofSeconds(90).toNanos();
        long bothRotatedAt = 0;
        long nextCheck = 0;
        int i = 0;
        while (System.nanoTime() < deadline
                && (bothRotatedAt == 0 || System.nanoTime() - bothRotatedAt < Duration.ofSeconds(2).toNanos())) {
            Reply reply = client.tryGet(PAYMENTS, "/rotation/" + i++);
            assertThat(reply.status()).as("request %d during rotation: %s", i, reply).isEqualTo(200);
            ok.incrementAndGet();
            Thread.sleep(20); // light, steady load: ~40 requests per second
            if (bothRotatedAt == 0 && System.nanoTime() >= nextCheck) {
                nextCheck = System.nanoTime() + Duration.ofMillis(500).toNanos();
                if (rotations(frontend) > frontendBefore && rotations(payments) > paymentsBefore) {
                    bothRotatedAt = System.nanoTime();
                }
            }
        }
        System.out.printf("rotation under load: both sides renewed after %d ms, %d requests, none failed%n",
                bothRotatedAt == 0 ? -1 : (bothRotatedAt - start) / 1_000_000, ok.get());
        // both client and server certificates changed under load
        assertThat(rotations(frontend)).as("client rotations").isGreaterThan(frontendBefore);
        assertThat(rotations(payments)).as("server rotations").isGreaterThan(paymentsBefore);
        // traffic really flowed through the rotations (a loaded machine manages far fewer than the ~600 of a quiet
        // one; the point is that none failed, not how many there were)
        assertThat(ok.get()).isGreaterThan(20);
    }

    @Test
    @Order(4)
    void renewalsContinueAcrossAControlPlaneRestartBecauseTheCaIsKept() throws Exception {
        String rootBefore = caRoot();
        mesh.controlPlane().stop();
        mesh.controlPlane().start();
        mesh.controlPlane().awaitReady(Mesh.STARTUP);
        assertThat(caRoot()).isEqualTo(rootBefore);
        long before = rotations(payments);
        // the same root and token key after the restart: proxies keep renewing and keep trusting each other
        await().atMost(Duration.ofSeconds(90)).until(() -> rotations(payments) >= before + 2);
        Reply afterRestart = mesh.clientOf(frontend).get(PAYMENTS, "/after-restart");
        assertThat(afterRestart.status()).as("%s", afterRestart).isEqualTo(200);
        // every sidecar came back over mTLS with its current certificate (the first ones expired long ago), bound to
        // its own identity; the rogue is still refused
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
                .until(() -> authentications().size() == 4);
        assertThat(authentications()).containsEntry("frontend", "mtls spiffe://cluster.local/ns/default/sa/frontend frontend")
                .containsEntry("payments", "mtls spiffe://cluster.local/ns/default/sa/payments payments")
                .containsEntry("legacy", "mtls spiffe://cluster.local/ns/default/sa/legacy legacy")
                .containsEntry("impostor", "mtls spiffe://cluster.local/ns/default/sa/impostor impostor");
        assertThat(endpoints("payments.default.svc.cluster.local"))
                .containsExactly("127.0.0.1:" + payments.sidecar().inboundPort());
    }

    /** syncz: service → "transport spiffeId registeredServiceAccount" of each connected proxy. */
    private static java.util.Map<String, String> authentications() throws Exception {
        java.util.Map<String, String> out = new java.util.TreeMap<>();
        for (JsonNode p : JSON.readTree(mesh.controlPlaneGet("/debug/syncz").body())) {
            JsonNode a = p.path("authentication");
            out.put(p.path("service").asText(), a.path("transport").asText() + " " + a.path("spiffeId").asText() + " "
                    + a.path("registeredServiceAccount").asText());
        }
        return out;
    }

    private static java.util.List<String> endpoints(String host) throws Exception {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (JsonNode s : JSON.readTree(mesh.controlPlaneGet("/debug/registryz").body()).path("services")) {
            if (s.path("host").asText().equals(host)) {
                for (JsonNode port : s.path("ports")) {
                    for (JsonNode e : port.path("endpoints")) {
                        out.add(e.path("address").asText() + ":" + e.path("port").asInt());
                    }
                }
            }
        }
        return out;
    }

    private static String lastStreamError(Workload w) throws Exception {
        JsonNode dump = JSON.readTree(Mesh.plainGet(w.sidecar().adminUrl("/config_dump")).body());
        return dump.findValues("last_stream_error").stream().map(JsonNode::asText).findFirst().orElse("");
    }

    private static String caRoot() throws IOException {
        return java.nio.file.Files.readString(mesh.workDir().resolve("data").resolve("controlplane").resolve("ca").resolve("root-cert.pem"));
    }

    private static long rotations(Workload w) throws Exception {
        return JSON.readTree(Mesh.plainGet(w.sidecar().adminUrl("/certs")).body()).path("rotations").asLong();
    }

    /** A raw HTTP/1.1 GET over plaintext; the response text, or "" when the server closed without answering. */
    private static String plaintextGet(int port) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write("GET /plain HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (java.net.SocketException e) {
            return ""; // reset by the peer: refused just the same
        }
    }
}
