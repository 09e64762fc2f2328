package dev.weft.dataplane.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.dataplane.config.ConfigSnapshot;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** XdsClient in delta mode against Envoy's java-control-plane incremental ADS server on a real port. */
class XdsClientDeltaTest {
    static final Duration WAIT = XdsClientTest.WAIT;

    @TempDir
    Path dataDir;

    final SimpleCache<String> cache = new SimpleCache<>(node -> XdsClientTest.GROUP);
    final Queue<DeltaDiscoveryRequest> received = new ConcurrentLinkedQueue<>();
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
                throw new AssertionError("a delta client must not open a state-of-the-world stream");
            }

            @Override
            public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {
                received.add(request);
            }
        }, cache);
        server = Grpc.newServerBuilderForPort(requestedPort, InsecureServerCredentials.create())
                .addService(discovery.getAggregatedDiscoveryServiceImpl())
                .build()
                .start();
        port = server.getPort();
    }

    XdsClient client() {
        XdsClient c = new XdsClient(new XdsClient.Options("127.0.0.1:" + port, XdsClientTest.node(), dataDir,
                Duration.ofMillis(50), Duration.ofMillis(500), Duration.ofSeconds(20)).withDelta(true));
        clients.add(c);
        return c;
    }

    static Snapshot withExtraCluster(String version, String... reviewIps) {
        Snapshot base = XdsClientTest.snapshot(version, reviewIps);
        return Snapshot.create(
                List.of(XdsFixtures.edsCluster(XdsFixtures.REVIEWS), XdsFixtures.edsCluster("ratings")),
                List.of(XdsFixtures.endpoints(XdsFixtures.REVIEWS, reviewIps), XdsFixtures.endpoints("ratings", "10.0.1.1")),
                List.of(XdsFixtures.outboundListener(15001)),
                List.of(XdsFixtures.routes("outbound", XdsFixtures.route("/", XdsFixtures.REVIEWS))),
                List.of(), version);
    }

    @Test
    void appliesUpdatesAndRemovalsAndAcksByNonce() throws Exception {
        cache.setSnapshot(XdsClientTest.GROUP, withExtraCluster("1", "10.0.0.1"));
        startServer(0);
        XdsClient client = client();
        client.start();
        assertThat(client.awaitWarm(WAIT)).isTrue();
        ConfigSnapshot s = client.current();
        assertThat(s.clusters()).containsOnlyKeys(XdsFixtures.REVIEWS, "ratings");
        assertThat(s.endpoints()).containsOnlyKeys(XdsFixtures.REVIEWS, "ratings");
        assertThat(s.listeners()).containsKey("outbound");
        assertThat(s.routes()).containsKey("outbound");
        assertThat(client.configDumpJson()).contains("envoy.service.discovery.v3.Resource", "\"version\"");

        // The first CDS/LDS requests are the legacy wildcard; EDS names what CDS referenced.
        assertThat(received).anySatisfy(r -> {
            assertThat(r.getTypeUrl()).isEqualTo(XdsTypes.CLUSTER);
            assertThat(r.getResourceNamesSubscribeList()).isEmpty();
            assertThat(r.getNode().getId()).isEqualTo("sidecar~127.0.0.1~productpage-15006.default");
        });
        await().atMost(WAIT).untilAsserted(() -> assertThat(received).anySatisfy(r -> {
            assertThat(r.getTypeUrl()).isEqualTo(XdsTypes.ENDPOINT);
            assertThat(r.getResourceNamesSubscribeList()).contains(XdsFixtures.REVIEWS, "ratings");
        }));

        // An endpoint change and a removed cluster: the removed cluster and its assignment go.
        cache.setSnapshot(XdsClientTest.GROUP, XdsClientTest.snapshot("2", "10.0.0.1", "10.0.0.2"));
        await().atMost(WAIT).untilAsserted(() -> {
            ConfigSnapshot now = client.current();
            assertThat(now.clusters()).containsOnlyKeys(XdsFixtures.REVIEWS);
            assertThat(now.endpoints()).containsOnlyKeys(XdsFixtures.REVIEWS);
            assertThat(XdsClientTest.endpointCount(now)).isEqualTo(2);
        });
        await().atMost(WAIT).untilAsserted(() -> assertThat(received).anySatisfy(r -> {
            assertThat(r.getTypeUrl()).isEqualTo(XdsTypes.ENDPOINT);
            assertThat(r.getResourceNamesUnsubscribeList()).containsExactly("ratings");
        }));
        assertThat(received).allSatisfy(r -> assertThat(r.hasErrorDetail()).isFalse());
    }

    @Test
    void nacksAnUpdateItCannotApplyAndKeepsTheOldConfig() throws Exception {
        cache.setSnapshot(XdsClientTest.GROUP, XdsClientTest.snapshot("1", "10.0.0.1"));
        startServer(0);
        XdsClient client = client();
        client.start();
        assertThat(client.awaitWarm(WAIT)).isTrue();
        ConfigSnapshot before = client.current();

        Listener bad = XdsFixtures.outboundListener(15001).toBuilder().clearFilterChains()
                .addFilterChains(FilterChain.newBuilder().addFilters(Filter.newBuilder()
                        .setName("envoy.filters.network.foo")))
                .build();
        cache.setSnapshot(XdsClientTest.GROUP, XdsClientTest.snapshot("2", List.of(bad), "10.0.0.1"));
        String reason = "Listener outbound: filter_chains[0].filters[0]: unsupported network filter "
                + "envoy.filters.network.foo";
        await().atMost(WAIT).untilAsserted(() -> assertThat(received).anySatisfy(r -> {
            assertThat(r.getTypeUrl()).isEqualTo(XdsTypes.LISTENER);
            assertThat(r.getErrorDetail().getMessage()).isEqualTo(reason);
            assertThat(r.getResponseNonce()).isNotEmpty();
        }));
        assertThat(client.status().lastNacks()).containsEntry("LDS", reason);
        assertThat(client.current().listeners()).isEqualTo(before.listeners());

        cache.setSnapshot(XdsClientTest.GROUP, XdsClientTest.snapshot("3", List.of(XdsFixtures.outboundListener(15002)),
                "10.0.0.1"));
        await().atMost(WAIT).until(() -> client.current().listeners().get("outbound").port() == 15002);
        assertThat(client.status().lastNacks()).doesNotContainKey("LDS");
    }

    @Test
    void reconnectOffersTheVersionsItHasAndARestartedProxyOffersThemFromTheCache() throws Exception {
        cache.setSnapshot(XdsClientTest.GROUP, XdsClientTest.snapshot("1", "10.0.0.1"));
        startServer(0);
        XdsClient client = client();
        client.start();
        assertThat(client.awaitWarm(WAIT)).isTrue();

        server.shutdownNow().awaitTermination();
        await().atMost(WAIT).until(() -> client.status().connection() != XdsStatus.ConnectionState.CONNECTED);
        received.clear();
        startServer(port);
        await().atMost(WAIT).untilAsserted(() -> assertThat(received).anySatisfy(r -> {
            assertThat(r.getTypeUrl()).isEqualTo(XdsTypes.CLUSTER);
            assertThat(r.getInitialResourceVersionsMap()).containsKey(XdsFixtures.REVIEWS);
        }));
        await().atMost(WAIT).untilAsserted(() -> assertThat(received).anySatisfy(r -> {
            assertThat(r.getTypeUrl()).isEqualTo(XdsTypes.ENDPOINT);
            assertThat(r.getResourceNamesSubscribeList()).containsExactly(XdsFixtures.REVIEWS);
            assertThat(r.getInitialResourceVersionsMap()).containsKey(XdsFixtures.REVIEWS);
        }));
        await().atMost(WAIT).until(() -> client.status().connection() == XdsStatus.ConnectionState.CONNECTED);
        client.close();

        received.clear();
        XdsClient restarted = client();
        restarted.start();
        assertThat(restarted.isWarm()).as("warm from the cache").isTrue();
        assertThat(XdsClientTest.endpointCount(restarted.current())).isEqualTo(1);
        await().atMost(WAIT).untilAsserted(() -> assertThat(received).anySatisfy(r -> {
            assertThat(r.getTypeUrl()).isEqualTo(XdsTypes.LISTENER);
            assertThat(r.getInitialResourceVersionsMap()).containsKey("outbound");
        }));
    }
}
