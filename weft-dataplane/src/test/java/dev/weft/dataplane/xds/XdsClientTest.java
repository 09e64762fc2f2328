package dev.weft.dataplane.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.dataplane.config.ConfigSnapshot;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** XdsClient against Envoy's own java-control-plane ADS server on a real port. */
class XdsClientTest {
    static final String GROUP = "mesh";
    static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    Path dataDir;

    final SimpleCache<String> cache = new SimpleCache<>(node -> GROUP);
    final Queue<DiscoveryRequest> received = new ConcurrentLinkedQueue<>();
    final List<XdsClient> clients = new CopyOnWriteArrayList<>();
    Server server;
    int port;

    @AfterEach
    void tearDown() {
        clients.forEach(XdsClient::close);
        if (server != null) {
            server.shutdownNow();
        }
    }

    void startServer(int requestedPort) throws IOException {
        V3DiscoveryServer discovery = new V3DiscoveryServer(new DiscoveryServerCallbacks() {
            @Override
            public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
                received.add(request);
            }

            @Override
            public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {
            }
        }, cache);
        server = Grpc.newServerBuilderForPort(requestedPort, InsecureServerCredentials.create())
                .addService(discovery.getAggregatedDiscoveryServiceImpl())
                .build()
                .start();
        port = server.getPort();
    }

    static NodeIdentity node() {
        return NodeIdentity.sidecar("productpage", "default", "bookinfo-productpage",
                Map.of("app", "productpage", "version", "v1"), "127.0.0.1", 9080, 9080, "http", 15006, 15001,
                List.of("reviews:9080=16001"));
    }

    /**
     * A client whose initial fetch timeout is far longer than any answer takes on a loaded machine: with a short one,
     * it warms on the timeout before the config arrives and the test sees an empty snapshot.
     */
    XdsClient client() {
        return client(Duration.ofSeconds(20));
    }

    XdsClient client(Duration initialFetchTimeout) {
        XdsClient c = new XdsClient(new XdsClient.Options("127.0.0.1:" + port, node(), dataDir,
                Duration.ofMillis(50), Duration.ofMillis(500), initialFetchTimeout));
        clients.add(c);
        return c;
    }

    static Snapshot snapshot(String version, List<Listener> listeners, String... reviewIps) {
        return Snapshot.create(
                List.of(XdsFixtures.edsCluster(XdsFixtures.REVIEWS)),
                List.of(XdsFixtures.endpoints(XdsFixtures.REVIEWS, reviewIps)),
                listeners,
                List.of(XdsFixtures.routes("outbound", XdsFixtures.route("/", XdsFixtures.REVIEWS))),
                List.of(), version);
    }

    static Snapshot snapshot(String version, String... reviewIps) {
        return snapshot(version, List.of(XdsFixtures.outboundListener(15001)), reviewIps);
    }

    static int endpointCount(ConfigSnapshot s) {
        var eps = s.endpoints().get(XdsFixtures.REVIEWS);
        return eps == null ? 0 : eps.endpoints().size();
    }

    @Test
    void appliesSnapshotThenUpdatesAndAcks() throws Exception {
        cache.setSnapshot(GROUP, snapshot("1", "10.0.0.1"));
        startServer(0);
        XdsClient client = client();
        List<ConfigSnapshot> published = new CopyOnWriteArrayList<>();
        client.addSnapshotListener(published::add);
        client.start();

        assertThat(client.awaitWarm(WAIT)).isTrue();
        ConfigSnapshot s = client.current();
        assertThat(s.listeners()).containsKey("outbound");
        assertThat(s.routeTableFor(s.listeners().get("outbound")).name()).isEqualTo("outbound");
        assertThat(s.clusters()).containsOnlyKeys(XdsFixtures.REVIEWS);
        assertThat(s.endpointsFor(s.clusters().get(XdsFixtures.REVIEWS)).endpoints()).hasSize(1);
        assertThat(s.versions()).containsEntry(XdsTypes.LISTENER, "1").containsEntry(XdsTypes.ENDPOINT, "1");
        assertThat(client.status().connection()).isEqualTo(XdsStatus.ConnectionState.CONNECTED);
        assertThat(client.status().appliedVersions()).containsEntry("CDS", "1").containsEntry("RDS", "1");

        // The node reached the server with the metadata the control plane registers workloads from.
        DiscoveryRequest first = received.peek();
        assertThat(first.getNode().getId()).isEqualTo("sidecar~127.0.0.1~productpage-15006.default");
        assertThat(first.getNode().getCluster()).isEqualTo("productpage");
        var md = first.getNode().getMetadata().getFieldsMap();
        assertThat(md.get("LABELS").getStructValue().getFieldsMap().get("version").getStringValue()).isEqualTo("v1");
        assertThat(md.get("WEFT_UPSTREAMS").getListValue().getValues(0).getStringValue())
                .isEqualTo("reviews:9080=16001");
        assertThat(md.get("WEFT_INBOUND_PORT").getStringValue()).isEqualTo("15006");
        // EDS and RDS were requested by the names CDS and LDS referenced (the server records requests on its own
        // threads, so a request can be seen a moment after the client applied the answer).
        await().atMost(WAIT).untilAsserted(() -> assertThat(received).anySatisfy(r -> {
            assertThat(r.getTypeUrl()).isEqualTo(XdsTypes.ENDPOINT);
            assertThat(r.getResourceNamesList()).containsExactly(XdsFixtures.REVIEWS);
        }));
        await().atMost(WAIT).untilAsserted(() -> assertThat(received).anySatisfy(r -> {
            assertThat(r.getTypeUrl()).isEqualTo(XdsTypes.ROUTE);
            assertThat(r.getResourceNamesList()).containsExactly("outbound");
        }));
        // ... and never by an empty first request sent before CDS/LDS named anything (answered empty, it would
        // make the request with the names a stale one and cost a round trip at start-up).
        assertThat(received).filteredOn(r -> r.getTypeUrl().equals(XdsTypes.ROUTE)
                || r.getTypeUrl().equals(XdsTypes.ENDPOINT)).allSatisfy(r ->
                assertThat(r.getResourceNamesList()).as(r.getTypeUrl()).isNotEmpty());

        cache.setSnapshot(GROUP, snapshot("2", "10.0.0.1", "10.0.0.2"));
        await().atMost(WAIT).until(() -> endpointCount(client.current()) == 2);
        assertThat(client.current().versions()).containsEntry(XdsTypes.ENDPOINT, "2");
        await().atMost(WAIT).untilAsserted(() -> assertThat(received).anySatisfy(r -> {
            assertThat(r.getTypeUrl()).isEqualTo(XdsTypes.ENDPOINT);
            assertThat(r.getVersionInfo()).isEqualTo("2");
            assertThat(r.getResponseNonce()).isNotEmpty();
            assertThat(r.hasErrorDetail()).isFalse();
        }));
        assertThat(published.getLast()).isSameAs(client.current());
        assertThat(client.configDumpJson()).contains("\"EDS\"", "10.0.0.2", "\"version\" : \"2\"",
                "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager");
    }

    @Test
    void nacksInvalidResourceAndKeepsOldConfig() throws Exception {
        cache.setSnapshot(GROUP, snapshot("1", "10.0.0.1"));
        startServer(0);
        XdsClient client = client();
        client.start();
        assertThat(client.awaitWarm(WAIT)).isTrue();
        ConfigSnapshot before = client.current();

        Listener bad = XdsFixtures.outboundListener(15001).toBuilder().clearFilterChains()
                .addFilterChains(FilterChain.newBuilder().addFilters(Filter.newBuilder()
                        .setName("envoy.filters.network.foo")))
                .build();
        cache.setSnapshot(GROUP, snapshot("2", List.of(bad), "10.0.0.1"));

        String reason = "Listener outbound: filter_chains[0].filters[0]: unsupported network filter "
                + "envoy.filters.network.foo";
        await().atMost(WAIT).untilAsserted(() -> assertThat(received).anySatisfy(r -> {
            assertThat(r.getTypeUrl()).isEqualTo(XdsTypes.LISTENER);
            assertThat(r.getErrorDetail().getMessage()).isEqualTo(reason);
            assertThat(r.getVersionInfo()).as("NACK carries the last applied version").isEqualTo("1");
            assertThat(r.getResponseNonce()).isNotEmpty();
        }));
        assertThat(client.status().lastNacks()).containsEntry("LDS", reason);
        assertThat(client.current().listeners()).isEqualTo(before.listeners());
        assertThat(client.current().versions()).containsEntry(XdsTypes.LISTENER, "1");

        // A later valid version is applied and clears the NACK.
        cache.setSnapshot(GROUP, snapshot("3", List.of(XdsFixtures.outboundListener(15002)), "10.0.0.1"));
        await().atMost(WAIT).until(() -> client.current().listeners().get("outbound").port() == 15002);
        assertThat(client.status().lastNacks()).doesNotContainKey("LDS");
    }

    @Test
    void reconnectsAfterControlPlaneRestartAndKeepsServingMeanwhile() throws Exception {
        cache.setSnapshot(GROUP, snapshot("1", "10.0.0.1"));
        startServer(0);
        XdsClient client = client();
        client.start();
        assertThat(client.awaitWarm(WAIT)).isTrue();

        server.shutdownNow().awaitTermination();
        await().atMost(WAIT).until(() -> client.status().connection() != XdsStatus.ConnectionState.CONNECTED);
        Thread.sleep(300);
        assertThat(endpointCount(client.current())).as("last config keeps serving").isEqualTo(1);
        assertThat(client.status().lastStreamError()).isNotBlank();
        assertThat(client.configDumpJson()).contains("\"last_stream_error\" : \"", "10.0.0.1");

        // A restarted control plane starts its versions over; the client must still take its config.
        cache.setSnapshot(GROUP, snapshot("1", "10.0.0.7", "10.0.0.8", "10.0.0.9"));
        startServer(port);
        await().atMost(WAIT).until(() -> endpointCount(client.current()) == 3);
        assertThat(client.status().connection()).isEqualTo(XdsStatus.ConnectionState.CONNECTED);
        assertThat(client.status().reconnects()).isPositive();
    }

    @Test
    void restartWhileControlPlaneIsDownServesFromDiskCache() throws Exception {
        cache.setSnapshot(GROUP, snapshot("4", "10.0.0.1", "10.0.0.2"));
        startServer(0);
        XdsClient first = client();
        first.start();
        assertThat(first.awaitWarm(WAIT)).isTrue();
        first.close();
        server.shutdownNow().awaitTermination();

        XdsClient restarted = client();
        restarted.start();
        assertThat(restarted.isWarm()).as("warm from the cache before any answer").isTrue();
        assertThat(restarted.status().loadedFromCache()).isTrue();
        ConfigSnapshot s = restarted.current();
        assertThat(s.listeners()).containsKey("outbound");
        assertThat(s.routes()).containsKey("outbound");
        assertThat(endpointCount(s)).isEqualTo(2);
        assertThat(s.versions()).containsEntry(XdsTypes.CLUSTER, "4");

        // When the control plane comes back its config replaces the cached one.
        cache.setSnapshot(GROUP, snapshot("1", "10.0.0.5"));
        startServer(port);
        await().atMost(WAIT).until(() -> endpointCount(restarted.current()) == 1);
        assertThat(restarted.status().loadedFromCache()).isFalse();
    }

    @Test
    void nacksListenersSharingAnAddress() throws Exception {
        cache.setSnapshot(GROUP, snapshot("1", "10.0.0.1"));
        startServer(0);
        XdsClient client = client();
        client.start();
        assertThat(client.awaitWarm(WAIT)).isTrue();

        Listener twin = XdsFixtures.outboundListener(15001).toBuilder().setName("twin").build();
        cache.setSnapshot(GROUP, snapshot("2", List.of(XdsFixtures.outboundListener(15001), twin), "10.0.0.1"));
        await().atMost(WAIT).untilAsserted(() -> assertThat(client.status().lastNacks()).containsEntry("LDS",
                "Listener twin: address: address 127.0.0.1:15001 is already used by listener outbound"));
        assertThat(client.current().listeners()).containsOnlyKeys("outbound");
    }

    @Test
    void unusableCacheIsIgnoredAndTheClientWaitsForTheControlPlane() throws Exception {
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
            port = probe.getLocalPort(); // nothing listens here once the probe closes
        }
        java.nio.file.Files.writeString(dataDir.resolve(SnapshotCache.FILE_NAME), "not a cache");
        XdsClient corrupt = client();
        corrupt.start();
        assertThat(corrupt.isWarm()).isFalse();
        assertThat(corrupt.current()).isSameAs(ConfigSnapshot.EMPTY);
        corrupt.close();

        // Well-formed, but holding a resource this build rejects: ignored as a whole, not half applied.
        Listener bad = XdsFixtures.outboundListener(15001).toBuilder().setName("bad").clearFilterChains().build();
        try (SnapshotCache cache = new SnapshotCache(dataDir)) {
            cache.save(AppliedResources.EMPTY
                    .with(XdsTypes.CLUSTER, new AppliedResources.TypeResources("1", Map.of(XdsFixtures.REVIEWS,
                            com.google.protobuf.Any.pack(XdsFixtures.edsCluster(XdsFixtures.REVIEWS)))))
                    .with(XdsTypes.LISTENER, new AppliedResources.TypeResources("1", Map.of("bad",
                            com.google.protobuf.Any.pack(bad)))));
        }
        XdsClient rejected = client();
        rejected.start();
        assertThat(rejected.isWarm()).isFalse();
        assertThat(rejected.current().clusters()).isEmpty();
        assertThat(rejected.status().connection()).isNotEqualTo(XdsStatus.ConnectionState.CONNECTED);

        cache.setSnapshot(GROUP, snapshot("1", "10.0.0.1"));
        startServer(port);
        assertThat(rejected.awaitWarm(WAIT)).isTrue();
        assertThat(rejected.current().listeners()).containsOnlyKeys("outbound");
    }

    @Test
    void warmsEvenWhenAReferencedRouteNeverArrives() throws Exception {
        Listener other = XdsFixtures.listener("upstream_16001", 16001, XdsFixtures.hcm()
                .setRds(XdsFixtures.hcm().getRds().toBuilder().setRouteConfigName("upstream_16001")).build());
        cache.setSnapshot(GROUP, snapshot("1", List.of(XdsFixtures.outboundListener(15001), other), "10.0.0.1"));
        startServer(0);
        XdsClient client = client(Duration.ofSeconds(1));
        client.start();
        assertThat(client.awaitWarm(Duration.ofMillis(200))).as("waits for the missing route first").isFalse();
        assertThat(client.awaitWarm(WAIT)).as("then gives up waiting after the initial fetch timeout").isTrue();
        assertThat(client.current().listeners()).hasSize(2);
        // java-control-plane answers an RDS request only once it has every name asked for (Weft's control plane
        // answers with those it has), so here no route arrives at all
        assertThat(client.current().routes()).doesNotContainKey("upstream_16001");
        assertThat(client.status().connection()).isEqualTo(XdsStatus.ConnectionState.CONNECTED);
    }

    @Test
    void followsClusterSetChangesWithEdsSubscriptions() throws Exception {
        cache.setSnapshot(GROUP, snapshot("1", "10.0.0.1"));
        startServer(0);
        XdsClient client = client();
        client.start();
        assertThat(client.awaitWarm(WAIT)).isTrue();

        String ratings = "outbound|9080||ratings.default.svc.cluster.local";
        cache.setSnapshot(GROUP, Snapshot.create(
                List.of(XdsFixtures.edsCluster(ratings)),
                List.of(XdsFixtures.endpoints(ratings, "10.0.1.1")),
                List.of(XdsFixtures.outboundListener(15001)),
                List.of(XdsFixtures.routes("outbound", XdsFixtures.route("/", ratings))),
                List.of(), "2"));
        await().atMost(WAIT).until(() -> client.current().endpoints().containsKey(ratings));
        ConfigSnapshot s = client.current();
        assertThat(s.clusters()).containsOnlyKeys(ratings);
        assertThat(s.endpoints()).as("endpoints of removed clusters are dropped").containsOnlyKeys(ratings);
        assertThat(received).anySatisfy(r -> {
            assertThat(r.getTypeUrl()).isEqualTo(XdsTypes.ENDPOINT);
            assertThat(r.getResourceNamesList()).containsExactly(ratings);
        });
    }
}
