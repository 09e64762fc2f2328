package dev.weft.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.weft.controlplane.xds.AdsTestClient;
import dev.weft.controlplane.xds.XdsType;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The control plane end to end: real ADS stream over a real port, real config directory, real HTTP API. */
class ControlPlaneTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Duration GRACE = Duration.ofMillis(1500);
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @TempDir
    Path configDir;
    ControlPlane cp;

    @BeforeEach
    void start() throws IOException {
        Files.copy(Path.of("src/test/resources/configs/bookinfo/routing.yaml"), configDir.resolve("routing.yaml"));
        cp = ControlPlane.start(new ControlPlaneOptions(configDir, 0, 0, "127.0.0.1", configDir.resolve("data"),
                Duration.ofMillis(50), GRACE));
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closeables.reversed()) {
            c.close();
        }
        cp.close();
    }

    private AdsTestClient client(String service, String address, Map<String, String> labels) {
        AdsTestClient c = new AdsTestClient(cp.xdsPort(), TestNodes.sidecar(service, "default", address, 9080, 15006,
                labels, List.of("reviews=16002")));
        closeables.add(c);
        return c;
    }

    /** A reviews v1 proxy, so the reviews service (and its subset clusters) exists for others. */
    private void registerReviewsV1() throws Exception {
        AdsTestClient r = client("reviews", "127.0.0.13", Map.of("app", "reviews", "version", "v1"));
        r.subscribe(XdsType.CLUSTER, List.of());
        response(r, XdsType.CLUSTER);
        await().atMost(WAIT).until(() -> registryzEndpoints("reviews.default.svc.cluster.local")
                .contains("127.0.0.13:15006"));
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cp.httpPort() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode getJson(String path) throws Exception {
        HttpResponse<String> r = get(path);
        assertThat(r.statusCode()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static DiscoveryResponse response(AdsTestClient c, XdsType type) throws InterruptedException {
        DiscoveryResponse r = c.next(type, WAIT);
        assertThat(r).as("a %s response", type.shortName()).isNotNull();
        return r;
    }

    private static <T extends com.google.protobuf.Message> List<T> unpack(DiscoveryResponse r, Class<T> cls) {
        List<T> out = new ArrayList<>();
        for (Any a : r.getResourcesList()) {
            try {
                out.add(a.unpack(cls));
            } catch (InvalidProtocolBufferException e) {
                throw new AssertionError(e);
            }
        }
        return out;
    }

    /** Subscribes the way Envoy does: CDS, EDS for the EDS clusters, LDS, RDS for the listeners' routes; ACKs all. */
    private record Subscribed(DiscoveryResponse cds, DiscoveryResponse eds, DiscoveryResponse lds,
                              DiscoveryResponse rds, List<String> edsNames, List<String> rdsNames) {}

    private static Subscribed subscribe(AdsTestClient c) throws InterruptedException {
        c.subscribe(XdsType.CLUSTER, List.of());
        DiscoveryResponse cds = response(c, XdsType.CLUSTER);
        List<String> edsNames = unpack(cds, Cluster.class).stream()
                .filter(cl -> cl.getType() == Cluster.DiscoveryType.EDS).map(Cluster::getName).toList();
        c.subscribe(XdsType.ENDPOINT, edsNames);
        DiscoveryResponse eds = response(c, XdsType.ENDPOINT);
        c.ack(cds, List.of());
        c.subscribe(XdsType.LISTENER, List.of());
        DiscoveryResponse lds = response(c, XdsType.LISTENER);
        List<String> rdsNames = List.of("outbound", "upstream_16002");
        c.subscribe(XdsType.ROUTE, rdsNames);
        DiscoveryResponse rds = response(c, XdsType.ROUTE);
        c.ack(eds, edsNames);
        c.ack(lds, List.of());
        // The proxy's own registration causes one more push; take it (ACKing all but RDS) until things are quiet.
        boolean quiet = false;
        while (!quiet) {
            quiet = true;
            for (XdsType type : XdsType.values()) {
                DiscoveryResponse r = c.next(type, Duration.ofMillis(300));
                if (r == null) {
                    continue;
                }
                quiet = false;
                switch (type) {
                    case CLUSTER -> cds = r;
                    case ENDPOINT -> eds = r;
                    case LISTENER -> lds = r;
                    case ROUTE -> rds = r;
                }
                if (type != XdsType.ROUTE) {
                    c.ack(r, type == XdsType.ENDPOINT ? edsNames : List.of());
                }
            }
        }
        return new Subscribed(cds, eds, lds, rds, edsNames, rdsNames);
    }

    /** A sidecar on the TLS port presenting a certificate for its own service account (TestNodes: the service). */
    private AdsTestClient mtlsClient(io.envoyproxy.envoy.config.core.v3.Node node, String serviceAccount)
            throws Exception {
        AdsTestClient c = new AdsTestClient(cp.xdsTlsPort(), node,
                WorkloadCerts.issue(cp.identity().ca(), "default", serviceAccount).credentials());
        closeables.add(c);
        return c;
    }

    private static io.envoyproxy.envoy.config.core.v3.Node withServiceAccount(io.envoyproxy.envoy.config.core.v3.Node n,
                                                                             String serviceAccount) {
        return n.toBuilder().setMetadata(n.getMetadata().toBuilder().putFields("SERVICE_ACCOUNT",
                com.google.protobuf.Value.newBuilder().setStringValue(serviceAccount).build())).build();
    }

    /**
     * Mesh mTLS clusters name the service accounts of the destination's endpoints: a new replica under the same
     * account changes only EDS; one under another account re-sends CDS with both identities. Every proxy proves its
     * account with a certificate on the TLS port.
     */
    @Test
    void endpointChurnPushesCdsOnlyWhenTheServiceAccountsChange() throws Exception {
        Map<String, String> mesh = Map.of("app", "reviews", "security.istio.io/tlsMode", "istio");
        AdsTestClient first = mtlsClient(TestNodes.sidecar("reviews", "default", "127.0.0.13", 9080, 15006, mesh,
                List.of()), "reviews");
        first.subscribe(XdsType.CLUSTER, List.of());
        response(first, XdsType.CLUSTER);
        await().atMost(WAIT).until(() -> registryzEndpoints("reviews.default.svc.cluster.local").size() == 1);
        AdsTestClient c = mtlsClient(TestNodes.sidecar("productpage", "default", "127.0.0.11", 9080, 15006,
                Map.of("app", "productpage", "security.istio.io/tlsMode", "istio"), List.of("reviews=16002")),
                "productpage");
        Subscribed s = subscribe(c);
        assertThat(reviewsSans(s.cds())).containsExactly("spiffe://cluster.local/ns/default/sa/reviews");

        AdsTestClient replica = mtlsClient(TestNodes.sidecar("reviews", "default", "127.0.0.14", 9080, 15006, mesh,
                List.of()), "reviews");
        replica.subscribe(XdsType.CLUSTER, List.of());
        DiscoveryResponse eds = response(c, XdsType.ENDPOINT);
        c.ack(eds, s.edsNames());
        assertThat(c.next(XdsType.CLUSTER, Duration.ofMillis(1000))).as("CDS after a same-account replica").isNull();

        AdsTestClient canary = mtlsClient(withServiceAccount(TestNodes.sidecar("reviews", "default", "127.0.0.15", 9080,
                15006, mesh, List.of()), "reviews-canary"), "reviews-canary");
        canary.subscribe(XdsType.CLUSTER, List.of());
        DiscoveryResponse cds = response(c, XdsType.CLUSTER);
        assertThat(reviewsSans(cds)).containsExactly("spiffe://cluster.local/ns/default/sa/reviews",
                "spiffe://cluster.local/ns/default/sa/reviews-canary");
    }

    /**
     * A SotW request with a stale nonce (sent before the server's latest response of its type reached the proxy) is
     * no ACK, but its change of names is answered: a starting proxy asks for more endpoints while its first EDS
     * response is on the way, and must not wait for its next ACK to get them.
     */
    @Test
    void aSubscriptionChangeWithAStaleNonceIsAnswered() throws Exception {
        registerReviewsV1();
        AdsTestClient c = client("productpage", "127.0.0.11", Map.of("app", "productpage"));
        c.subscribe(XdsType.CLUSTER, List.of());
        List<String> edsNames = unpack(response(c, XdsType.CLUSTER), Cluster.class).stream()
                .filter(cl -> cl.getType() == Cluster.DiscoveryType.EDS).map(Cluster::getName).sorted().toList();
        assertThat(edsNames).hasSizeGreaterThan(1);
        c.subscribe(XdsType.ENDPOINT, edsNames.subList(0, 1));
        assertThat(clusterNames(response(c, XdsType.ENDPOINT))).containsExactly(edsNames.getFirst());

        c.subscribe(XdsType.ENDPOINT, edsNames); // nonce "": stale, a response was sent since
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        List<String> answered = List.of();
        while (!answered.containsAll(edsNames) && System.nanoTime() < deadline) {
            DiscoveryResponse r = c.next(XdsType.ENDPOINT, Duration.ofMillis(200)); // never ACKed: no names ride along
            if (r != null) {
                answered = clusterNames(r);
            }
        }
        assertThat(answered).as("EDS answer to the stale-nonce request").containsExactlyInAnyOrderElementsOf(edsNames);
    }

    private static List<String> clusterNames(DiscoveryResponse eds) {
        return unpack(eds, ClusterLoadAssignment.class).stream().map(ClusterLoadAssignment::getClusterName).toList();
    }

    /**
     * What an xDS stream may claim: a certificate for another account than announced is refused and registers
     * nothing; a plaintext stream (this control plane allows unauthenticated registration) becomes an endpoint whose
     * service account joins no SAN list; syncz shows each stream's authentication.
     */
    @Test
    void aStreamClaimsOnlyTheIdentityItsCertificateProves() throws Exception {
        // ISTIO_MUTUAL: the SAN list is the service's accounts even with endpoints that have no certificate
        replace("routing.yaml", Files.readString(configDir.resolve("routing.yaml")).replaceFirst(
                "host: reviews\n  subsets:", "host: reviews\n  trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}\n  subsets:"));
        await().atMost(WAIT).until(() -> get("/metrics").body().contains("pilot_push_triggers{type=\"config_files\"}"));
        Map<String, String> mesh = Map.of("app", "reviews", "security.istio.io/tlsMode", "istio");
        AdsTestClient reviews = mtlsClient(TestNodes.sidecar("reviews", "default", "127.0.0.13", 9080, 15006, mesh,
                List.of()), "reviews");
        reviews.subscribe(XdsType.CLUSTER, List.of());
        response(reviews, XdsType.CLUSTER);

        // announces reviews, proves ratings: refused before anything is registered
        AdsTestClient impostor = mtlsClient(TestNodes.sidecar("reviews", "default", "127.0.0.66", 9080, 15006, mesh,
                List.of()), "ratings");
        impostor.subscribe(XdsType.CLUSTER, List.of());
        await().atMost(WAIT).until(() -> impostor.error() != null);
        Status refused = Status.fromThrowable(impostor.error());
        assertThat(refused.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(refused.getDescription()).contains("announces namespace 'default' and service account 'reviews'")
                .contains("its certificate is spiffe://cluster.local/ns/default/sa/ratings");

        // plaintext, announcing an account it cannot prove: an endpoint, but no identity
        AdsTestClient plaintext = new AdsTestClient(cp.xdsPort(), withServiceAccount(TestNodes.sidecar("reviews",
                "default", "127.0.0.77", 9080, 15006, mesh, List.of()), "reviews-admin"));
        closeables.add(plaintext);
        plaintext.subscribe(XdsType.CLUSTER, List.of());
        response(plaintext, XdsType.CLUSTER);
        await().atMost(WAIT).until(() -> registryzEndpoints("reviews.default.svc.cluster.local").size() == 2);
        assertThat(registryzEndpoints("reviews.default.svc.cluster.local"))
                .containsExactlyInAnyOrder("127.0.0.13:15006", "127.0.0.77:15006");
        assertThat(registryzServiceAccounts("reviews.default.svc.cluster.local"))
                .containsExactly("spiffe://cluster.local/ns/default/sa/reviews");

        AdsTestClient productpage = mtlsClient(TestNodes.sidecar("productpage", "default", "127.0.0.11", 9080, 15006,
                Map.of("app", "productpage", "security.istio.io/tlsMode", "istio"), List.of("reviews=16002")),
                "productpage");
        Subscribed s = subscribe(productpage);
        assertThat(reviewsSans(s.cds())).containsExactly("spiffe://cluster.local/ns/default/sa/reviews");
        assertThat(s.eds().getResourcesList()).isNotEmpty();

        JsonNode syncz = getJson("/debug/syncz");
        List<String> auth = new ArrayList<>();
        for (JsonNode p : syncz) {
            JsonNode a = p.path("authentication");
            auth.add(p.path("address").asText() + " " + a.path("transport").asText() + " " + a.path("spiffeId").asText()
                    + " " + a.path("registeredServiceAccount").asText());
        }
        assertThat(auth).containsExactlyInAnyOrder(
                "127.0.0.13 mtls spiffe://cluster.local/ns/default/sa/reviews reviews",
                "127.0.0.77 plaintext null null",
                "127.0.0.11 mtls spiffe://cluster.local/ns/default/sa/productpage productpage");
        assertThat(get("/metrics").body()).contains("weft_xds_streams_refused_total 1");
    }

    /** The production default: no endpoint without a certificate, whichever port; reading config stays open. */
    @Test
    void withoutTheOptInAnUnauthenticatedStreamRegistersNoEndpoint() throws Exception {
        Path dir = Files.createTempDirectory(configDir, "secure");
        try (ControlPlane secure = ControlPlane.start(new ControlPlaneOptions(dir, 0, 0, "127.0.0.1", dir.resolve("data"),
                Duration.ofMillis(50), GRACE).withXdsSecurity(0, List.of(), false))) {
            Map<String, String> labels = Map.of("app", "reviews");
            AdsTestClient plaintext = new AdsTestClient(secure.xdsPort(), TestNodes.sidecar("reviews", "default",
                    "127.0.0.21", 9080, 15006, labels, List.of()));
            AdsTestClient tlsOnly = new AdsTestClient(secure.xdsTlsPort(), TestNodes.sidecar("reviews", "default",
                    "127.0.0.22", 9080, 15006, labels, List.of()), WorkloadCerts.serverOnly(secure.identity().ca()));
            AdsTestClient proxyless = new AdsTestClient(secure.xdsPort(), io.envoyproxy.envoy.config.core.v3.Node
                    .newBuilder().setId("proxyless~10.0.0.7~client.default").setMetadata(com.google.protobuf.Struct
                            .newBuilder().putFields("WEFT_ROLE", com.google.protobuf.Value.newBuilder()
                                    .setStringValue("proxyless").build())).build());
            AdsTestClient good = new AdsTestClient(secure.xdsTlsPort(), TestNodes.sidecar("reviews", "default",
                    "127.0.0.23", 9080, 15006, labels, List.of()),
                    WorkloadCerts.issue(secure.identity().ca(), "default", "reviews").credentials());
            closeables.addAll(List.of(plaintext, tlsOnly, proxyless, good));
            for (AdsTestClient c : List.of(plaintext, tlsOnly, proxyless, good)) {
                c.subscribe(XdsType.CLUSTER, List.of());
            }
            for (AdsTestClient c : List.of(plaintext, tlsOnly)) {
                await().atMost(WAIT).until(() -> c.error() != null);
                Status status = Status.fromThrowable(c.error());
                assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                assertThat(status.getDescription()).contains("may not register an endpoint for reviews.default.svc.cluster.local");
            }
            assertThat(response(proxyless, XdsType.CLUSTER)).as("config for a client that registers nothing").isNotNull();
            assertThat(response(good, XdsType.CLUSTER)).isNotNull();
            HttpResponse<String> registry = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + secure.httpPort() + "/debug/registryz")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(registry.body()).contains("127.0.0.23").doesNotContain("127.0.0.21").doesNotContain("127.0.0.22");
        }
    }

    private static List<String> reviewsSans(DiscoveryResponse cds) throws Exception {
        Cluster reviews = unpack(cds, Cluster.class).stream()
                .filter(cl -> cl.getName().equals("outbound|9080||reviews.default.svc.cluster.local")).findFirst()
                .orElseThrow();
        var tls = reviews.getTransportSocket().getTypedConfig().unpack(
                io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext.class);
        return tls.getCommonTlsContext().getCombinedValidationContext().getDefaultValidationContext()
                .getMatchTypedSubjectAltNamesList().stream().map(m -> m.getMatcher().getExact()).toList();
    }

    /** Key rotation without touching the YAML: the jwksUri file is watched, and a broken file is retried until fixed. */
    @Test
    void aRewrittenJwksFileIsServedWithoutAYamlChange() throws Exception {
        String first = jwks("k1");
        Files.writeString(configDir.resolve("keys.json"), first);
        Files.writeString(configDir.resolve("jwt.yaml"), """
                apiVersion: security.istio.io/v1
                kind: RequestAuthentication
                metadata: {name: api-jwt, namespace: default}
                spec:
                  selector: {matchLabels: {app: api}}
                  jwtRules:
                  - issuer: https://issuer.test
                    jwksUri: file:keys.json
                """);
        await().atMost(WAIT).until(() -> first.equals(servedJwks()));

        String rotated = jwks("k2");
        replace(configDir.resolve("keys.json"), rotated);
        await().atMost(WAIT).until(() -> rotated.equals(servedJwks()));

        // a broken key file is rejected (the rotated keys stay served) and picked up as soon as it is fixed
        replace(configDir.resolve("keys.json"), "{\"keys\": [");
        await().atMost(WAIT).until(() -> !cp.configErrors().isEmpty());
        assertThat(servedJwks()).isEqualTo(rotated);
        String fixed = jwks("k3");
        replace(configDir.resolve("keys.json"), fixed);
        await().atMost(WAIT).until(() -> fixed.equals(servedJwks()));
        assertThat(cp.configErrors()).isEmpty();
    }

    private String servedJwks() {
        var ras = cp.currentPushContext().config().requestAuthentications();
        return ras.isEmpty() ? null : ras.getFirst().spec().jwtRules().getFirst().jwks();
    }

    private static String jwks(String kid) throws Exception {
        return new com.nimbusds.jose.jwk.JWKSet(new com.nimbusds.jose.jwk.gen.ECKeyGenerator(
                com.nimbusds.jose.jwk.Curve.P_256).keyID(kid).generate().toPublicJWK()).toString();
    }

    private static void replace(Path file, String content) throws IOException {
        Path temp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.writeString(temp, content);
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Test
    void servesAllTypesTracksAcksAndNacksInSyncz() throws Exception {
        assertThat(get("/ready").statusCode()).isEqualTo(200);
        registerReviewsV1();
        AdsTestClient c = client("productpage", "127.0.0.11", Map.of("app", "productpage"));
        Subscribed s = subscribe(c);

        assertThat(unpack(s.cds(), Cluster.class)).extracting(Cluster::getName)
                .contains("inbound|9080||", "outbound|9080|v1|reviews.default.svc.cluster.local");
        assertThat(unpack(s.lds(), Listener.class)).extracting(Listener::getName)
                .containsExactly("inbound", "outbound", "upstream_16002");
        assertThat(unpack(s.eds(), ClusterLoadAssignment.class)).extracting(ClusterLoadAssignment::getClusterName)
                .containsExactlyInAnyOrderElementsOf(s.edsNames());
        assertThat(unpack(s.rds(), RouteConfiguration.class)).extracting(RouteConfiguration::getName)
                .containsExactly("outbound", "upstream_16002");

        // NACK the routes: the proxy keeps its old config, the control plane shows why.
        c.nack(s.rds(), "", s.rdsNames(), "route outbound: unsupported field foo");
        await().atMost(WAIT).untilAsserted(() -> {
            JsonNode proxy = proxyIn(getJson("/debug/syncz"), "productpage");
            assertThat(proxy.get("address").asText()).isEqualTo("127.0.0.11");
            assertThat(proxy.path("types").path("cds").path("ackedVersion").asText())
                    .isEqualTo(s.cds().getVersionInfo());
            assertThat(proxy.path("types").path("lds").path("ackedVersion").asText())
                    .isEqualTo(s.lds().getVersionInfo());
            JsonNode rds = proxy.path("types").path("rds");
            assertThat(rds.path("ackedVersion").isNull()).isTrue();
            assertThat(rds.path("nack").path("error").asText()).isEqualTo("route outbound: unsupported field foo");
            assertThat(rds.path("nack").path("nonce").asText()).isEqualTo(s.rds().getNonce());
            assertThat(rds.path("nack").path("version").asText()).isEqualTo(s.rds().getVersionInfo());
            assertThat(rds.path("nack").path("time").asText()).isNotEmpty();
        });

        // What the proxy is being sent can be inspected per proxy.
        JsonNode dump = getJson("/debug/configz?proxy=sidecar~127.0.0.11~productpage-15006.default");
        assertThat(dump.path("clusters").has("inbound|9080||")).isTrue();
        assertThat(dump.path("listeners").path("inbound").path("address").path("socketAddress")
                .path("address").asText()).isEqualTo("127.0.0.11");
        assertThat(get("/debug/configz?proxy=nobody").statusCode()).isEqualTo(404);
    }

    private static JsonNode proxyIn(JsonNode syncz, String service) {
        for (JsonNode p : syncz) {
            if (p.path("service").asText().equals(service)) {
                return p;
            }
        }
        throw new AssertionError("no proxy for " + service + " in " + syncz);
    }

    @Test
    void proxyRegistrationPushesEndpointsToOthersAndGraceDelaysWithdrawal() throws Exception {
        registerReviewsV1();
        AdsTestClient pp = client("productpage", "127.0.0.11", Map.of("app", "productpage"));
        Subscribed s = subscribe(pp);
        String v2 = "outbound|9080|v2|reviews.default.svc.cluster.local";
        assertThat(endpointsOf(s.eds(), v2)).isEmpty();

        AdsTestClient reviews = client("reviews", "127.0.0.12", Map.of("app", "reviews", "version", "v2"));
        reviews.subscribe(XdsType.CLUSTER, List.of());
        response(reviews, XdsType.CLUSTER);

        // The registration reaches productpage as an EDS push with the new endpoint on the v2 subset only.
        DiscoveryResponse eds = awaitEds(pp, s.edsNames(), r -> !endpointsOf(r, v2).isEmpty());
        assertThat(endpointsOf(eds, v2)).containsExactly("127.0.0.12:15006");
        assertThat(endpointsOf(eds, "outbound|9080|v1|reviews.default.svc.cluster.local"))
                .containsExactly("127.0.0.13:15006");
        LbEndpoint lb = unpack(eds, ClusterLoadAssignment.class).stream()
                .filter(c -> c.getClusterName().equals(v2)).findFirst().orElseThrow()
                .getEndpoints(0).getLbEndpoints(0);
        assertThat(lb.getMetadata().getFilterMetadataOrThrow("weft").getFieldsOrThrow("sidecar").getBoolValue()).isTrue();
        assertThat(lb.getMetadata().getFilterMetadataOrThrow("weft").getFieldsOrThrow("labels").getStructValue()
                .getFieldsOrThrow("version").getStringValue()).isEqualTo("v2");

        // The reviews proxy goes away: its endpoint stays for the grace period, then is withdrawn.
        reviews.closeStream();
        long closedAt = System.nanoTime();
        Thread.sleep(GRACE.toMillis() / 3);
        assertThat(registryzEndpoints("reviews.default.svc.cluster.local")).contains("127.0.0.12:15006");
        DiscoveryResponse withdrawn = awaitEds(pp, s.edsNames(), r -> endpointsOf(r, v2).isEmpty());
        assertThat(Duration.ofNanos(System.nanoTime() - closedAt)).isGreaterThanOrEqualTo(GRACE);
        assertThat(endpointsOf(withdrawn, v2)).isEmpty();
    }

    @Test
    void aRestartedControlPlaneKeepsTheEndpointsItKnewUntilTheirProxiesCouldReconnect() throws Exception {
        registerReviewsV1();
        cp.close();
        cp = ControlPlane.start(new ControlPlaneOptions(configDir, 0, 0, "127.0.0.1", configDir.resolve("data"),
                Duration.ofMillis(50), GRACE));
        Duration window = ControlPlane.restoreWindow(GRACE);
        long restartedAt = System.nanoTime();
        // the first proxy to reconnect gets the reviews endpoint although the reviews proxy has not reconnected
        AdsTestClient pp = client("productpage", "127.0.0.11", Map.of("app", "productpage"));
        Subscribed s = subscribe(pp);
        String v1 = "outbound|9080|v1|reviews.default.svc.cluster.local";
        if (Duration.ofNanos(System.nanoTime() - restartedAt).compareTo(window) < 0) { // not so on a very slow machine
            assertThat(endpointsOf(s.eds(), v1)).containsExactly("127.0.0.13:15006");
            // it never comes back: withdrawn once the restore window is over
            DiscoveryResponse withdrawn = awaitEds(pp, s.edsNames(), r -> endpointsOf(r, v1).isEmpty());
            assertThat(endpointsOf(withdrawn, v1)).isEmpty();
        }
        assertThat(registryzEndpoints("reviews.default.svc.cluster.local")).isEmpty();
    }

    @Test
    void reconnectWithinGracePeriodKeepsEndpoints() throws Exception {
        AdsTestClient first = client("reviews", "127.0.0.12", Map.of("app", "reviews", "version", "v2"));
        first.subscribe(XdsType.CLUSTER, List.of());
        response(first, XdsType.CLUSTER);
        await().atMost(WAIT).until(() -> !registryzEndpoints("reviews.default.svc.cluster.local").isEmpty());
        // The restarted proxy's connection is set up first, so only the re-registration races the grace period.
        AdsTestClient second = client("reviews", "127.0.0.12", Map.of("app", "reviews", "version", "v2"));
        second.awaitConnected(WAIT);
        first.closeStream();
        Thread.sleep(GRACE.toMillis() / 3);
        second.subscribe(XdsType.CLUSTER, List.of());
        response(second, XdsType.CLUSTER);
        Thread.sleep(GRACE.toMillis() + 500);
        assertThat(registryzEndpoints("reviews.default.svc.cluster.local")).containsExactly("127.0.0.12:15006");
    }

    @Test
    void configChangeIsPushedAndInvalidChangeKeepsTheOldConfig() throws Exception {
        registerReviewsV1();
        AdsTestClient c = client("productpage", "127.0.0.11", Map.of("app", "productpage"));
        Subscribed s = subscribe(c);
        c.ack(s.rds(), s.rdsNames());
        assertThat(reviewsRouteClusters(s.rds())).containsExactly(
                "outbound|9080|v2|reviews.default.svc.cluster.local",
                "outbound|9080|v1|reviews.default.svc.cluster.local");

        // A valid edit (written to a temp file and moved in, as editors do) is pushed as new RDS.
        replace("routing.yaml", Files.readString(configDir.resolve("routing.yaml"))
                .replace("subset: v1", "subset: v3"));
        DiscoveryResponse changed = response(c, XdsType.ROUTE);
        assertThat(reviewsRouteClusters(changed)).containsExactly(
                "outbound|9080|v2|reviews.default.svc.cluster.local",
                "outbound|9080|v3|reviews.default.svc.cluster.local");
        assertThat(Long.parseLong(changed.getVersionInfo())).isGreaterThan(Long.parseLong(s.rds().getVersionInfo()));
        c.ack(changed, s.rdsNames());
        // Only the routes changed for this proxy: clusters and listeners are not re-sent.
        assertThat(c.next(XdsType.CLUSTER, Duration.ofMillis(300))).isNull();
        assertThat(c.next(XdsType.LISTENER, Duration.ofMillis(300))).isNull();
        assertThat(getJson("/debug/config-errors")).isEmpty();

        // An invalid edit is rejected as a whole: no push, the error names file, resource and field.
        replace("broken.yaml", """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata:
                  name: ratings
                spec:
                  hosts: [ratings]
                  http:
                  - route:
                    - destination:
                        host: ratings
                      weight: 60
                    - destination:
                        host: ratings
                      weight: 30
                """);
        await().atMost(WAIT).untilAsserted(() -> {
            JsonNode errors = getJson("/debug/config-errors");
            assertThat(errors).isNotEmpty();
            assertThat(errors.get(0).path("file").asText()).endsWith("broken.yaml");
            assertThat(errors.get(0).path("text").asText()).contains("VirtualService", "ratings", "weight");
        });
        assertThat(c.next(XdsType.ROUTE, Duration.ofMillis(500))).as("no push for a rejected change").isNull();
        assertThat(cp.currentPushContext().config().virtualServices()).extracting(v -> v.meta().name())
                .containsExactly("reviews", "bookinfo-frontend");
        assertThat(cp.configErrors()).isNotEmpty();

        // Fixing it clears the errors and pushes the new routes.
        Files.delete(configDir.resolve("broken.yaml"));
        await().atMost(WAIT).untilAsserted(() -> assertThat(getJson("/debug/config-errors")).isEmpty());
        assertThat(getJson("/debug/registryz").path("services")).isNotNull();
    }

    @Test
    void invalidConfigAtStartServesNothingAndIsNotReadyUntilFixed() throws Exception {
        Path dir = Files.createDirectory(configDir.resolve("other"));
        Files.writeString(dir.resolve("bad.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata:
                  name: reviews
                spec:
                  host: reviews
                  trafficPolicy:
                    loadBalancer:
                      simple: FASTEST
                """);
        try (ControlPlane bad = ControlPlane.start(new ControlPlaneOptions(dir, 0, 0, "127.0.0.1", dir,
                Duration.ofMillis(50), GRACE))) {
            URI base = URI.create("http://127.0.0.1:" + bad.httpPort());
            HttpResponse<String> ready = http.send(HttpRequest.newBuilder(base.resolve("/ready")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(ready.body()).contains("no valid config");
            JsonNode errors = JSON.readTree(http.send(HttpRequest.newBuilder(base.resolve("/debug/config-errors"))
                    .build(), HttpResponse.BodyHandlers.ofString()).body());
            assertThat(errors.get(0).path("text").asText()).contains("bad.yaml", "DestinationRule", "FASTEST");

            Files.writeString(dir.resolve("bad.yaml"), Files.readString(dir.resolve("bad.yaml"))
                    .replace("FASTEST", "ROUND_ROBIN"));
            await().atMost(WAIT).until(() -> http.send(HttpRequest.newBuilder(base.resolve("/ready")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
            assertThat(bad.configErrors()).isEmpty();
            assertThat(bad.currentPushContext().config().destinationRules()).hasSize(1);
        }
    }

    @Test
    /** Delta ADS is served (DeltaXdsServerTest covers the protocol); a stream that never names its node is refused. */
    void deltaStreamWithoutNodeIsRefused() throws Exception {
        ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", cp.xdsPort()).usePlaintext().build();
        try {
            CompletableFuture<Throwable> failure = new CompletableFuture<>();
            var req = AggregatedDiscoveryServiceGrpc.newStub(ch).deltaAggregatedResources(new StreamObserver<>() {
                @Override
                public void onNext(DeltaDiscoveryResponse value) {}

                @Override
                public void onError(Throwable t) {
                    failure.complete(t);
                }

                @Override
                public void onCompleted() {
                    failure.complete(null);
                }
            });
            req.onNext(DeltaDiscoveryRequest.newBuilder().setTypeUrl(XdsType.CLUSTER.typeUrl()).build());
            Throwable t = failure.get(10, TimeUnit.SECONDS);
            assertThat(Status.fromThrowable(t).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(Status.fromThrowable(t).getDescription()).contains("must carry node");
        } finally {
            ch.shutdownNow();
        }
    }

    @Test
    void streamWithoutNodeIsRejected() throws Exception {
        AdsTestClient c = new AdsTestClient(cp.xdsPort(), io.envoyproxy.envoy.config.core.v3.Node.getDefaultInstance());
        closeables.add(c);
        c.subscribe(XdsType.CLUSTER, List.of());
        await().atMost(WAIT).until(() -> c.error() != null);
        assertThat(Status.fromThrowable(c.error()).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(Status.fromThrowable(c.error()).getDescription()).contains("node.id is empty");
    }

    private void replace(String name, String content) throws IOException {
        Path tmp = Files.createTempFile(configDir.getParent(), "edit", ".tmp");
        Files.writeString(tmp, content);
        Files.move(tmp, configDir.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static List<String> reviewsRouteClusters(DiscoveryResponse rds) {
        RouteConfiguration outbound = unpack(rds, RouteConfiguration.class).stream()
                .filter(r -> r.getName().equals("outbound")).findFirst().orElseThrow();
        VirtualHost vh = outbound.getVirtualHostsList().stream()
                .filter(v -> v.getName().equals("reviews.default.svc.cluster.local:9080")).findFirst().orElseThrow();
        return vh.getRoutesList().stream().map(r -> r.getRoute().getCluster()).toList();
    }

    private static List<String> endpointsOf(DiscoveryResponse eds, String cluster) {
        return unpack(eds, ClusterLoadAssignment.class).stream().filter(c -> c.getClusterName().equals(cluster))
                .flatMap(c -> c.getEndpointsList().stream()).flatMap(l -> l.getLbEndpointsList().stream())
                .map(e -> e.getEndpoint().getAddress().getSocketAddress())
                .map(a -> a.getAddress() + ":" + a.getPortValue()).toList();
    }

    private static DiscoveryResponse awaitEds(AdsTestClient c, List<String> names,
                                              java.util.function.Predicate<DiscoveryResponse> condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            DiscoveryResponse r = c.next(XdsType.ENDPOINT, Duration.ofMillis(200));
            if (r != null) {
                c.ack(r, names);
                if (condition.test(r)) {
                    return r;
                }
            }
        }
        throw new AssertionError("no matching EDS push within " + WAIT);
    }

    /** The service accounts registryz shows for a service's endpoints (endpoints without one are left out). */
    private List<String> registryzServiceAccounts(String host) throws Exception {
        List<String> out = new ArrayList<>();
        for (JsonNode s : getJson("/debug/registryz").path("services")) {
            if (s.path("host").asText().equals(host)) {
                for (JsonNode p : s.path("ports")) {
                    for (JsonNode e : p.path("endpoints")) {
                        if (e.has("serviceAccount")) {
                            out.add(e.path("serviceAccount").asText());
                        }
                    }
                }
            }
        }
        return out;
    }

    private List<String> registryzEndpoints(String host) throws Exception {
        List<String> out = new ArrayList<>();
        for (JsonNode s : getJson("/debug/registryz").path("services")) {
            if (s.path("host").asText().equals(host)) {
                for (JsonNode p : s.path("ports")) {
                    for (JsonNode e : p.path("endpoints")) {
                        out.add(e.path("address").asText() + ":" + e.path("port").asInt());
                    }
                }
            }
        }
        return out;
    }
}
