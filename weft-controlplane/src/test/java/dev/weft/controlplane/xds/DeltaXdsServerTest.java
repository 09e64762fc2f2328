package dev.weft.controlplane.xds;

import dev.weft.config.MeshConfig;
import dev.weft.controlplane.TestNodes;
import dev.weft.controlplane.generator.Generators;
import dev.weft.controlplane.proxy.ProxyNode;
import dev.weft.controlplane.push.PushContext;
import dev.weft.controlplane.registry.ProxyRegistry;
import dev.weft.controlplane.registry.ServiceCatalogBuilder;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import static dev.weft.controlplane.xds.DeltaAdsTestClient.names;
import static org.assertj.core.api.Assertions.assertThat;

/** The incremental (delta) ADS server against a raw gRPC client on a real port. */
class DeltaXdsServerTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Duration QUIET = Duration.ofMillis(500);
    private static final String API = "outbound|9090||api.default.svc.cluster.local";
    private static final String DB = "outbound|5432||db.default.svc.cluster.local";
    private static final String CACHE = "outbound|6379||cache.default.svc.cluster.local";

    private final ProxyNode web = TestNodes.proxy("web", "default", "10.0.0.1", 8080, 15006, Map.of());
    private final ProxyNode api = TestNodes.proxy("api", "default", "10.0.0.2", 9090, 15006, Map.of());
    private final ProxyNode apiMoved = TestNodes.proxy("api", "default", "10.0.0.9", 9090, 15006, Map.of());
    private final ProxyNode db = TestNodes.proxy("db", "default", "10.0.0.3", 5432, 15006, Map.of());
    private final ProxyNode cache = TestNodes.proxy("cache", "default", "10.0.0.4", 6379, 15006, Map.of());
    private ScheduledExecutorService timers;
    private XdsServer server;
    private long version;

    @BeforeEach
    void start() throws Exception {
        timers = Executors.newSingleThreadScheduledExecutor();
        server = new XdsServer(0, Generators.standard(), new ProxyRegistry(Duration.ofSeconds(5), timers, () -> {}),
                context(web, api, db)).start();
    }

    @AfterEach
    void stop() {
        server.close();
        timers.shutdownNow();
    }

    private PushContext context(ProxyNode... proxies) {
        return new PushContext(++version, MeshConfig.EMPTY,
                ServiceCatalogBuilder.build(MeshConfig.EMPTY, List.of(proxies)));
    }

    private DeltaAdsTestClient client() {
        return new DeltaAdsTestClient(server.port(),
                TestNodes.sidecar("web", "default", "10.0.0.1", 8080, 15006, Map.of(), List.of()));
    }

    private static DeltaDiscoveryResponse await(DeltaAdsTestClient c, XdsType type) throws InterruptedException {
        DeltaDiscoveryResponse r = c.next(type, WAIT);
        assertThat(r).as("a %s response (stream error: %s)", type.shortName(), c.error()).isNotNull();
        return r;
    }

    private TypeSyncStatus status(XdsType type) {
        return server.proxyStatuses().getFirst().type(type);
    }

    private static Map<String, String> versions(DeltaDiscoveryResponse r) {
        Map<String, String> out = new HashMap<>();
        for (Resource res : r.getResourcesList()) {
            out.put(res.getName(), res.getVersion());
        }
        return out;
    }

    @Test
    void legacyWildcardGetsEverythingThenOnlyWhatChangesAndRemovals() throws Exception {
        try (DeltaAdsTestClient c = client()) {
            c.subscribe(XdsType.CLUSTER, List.of(), Map.of());
            DeltaDiscoveryResponse first = await(c, XdsType.CLUSTER);
            assertThat(names(first)).contains(API, DB);
            assertThat(first.getResourcesList()).allSatisfy(r -> assertThat(r.getVersion()).hasSize(16));
            assertThat(first.getRemovedResourcesList()).isEmpty();
            c.ack(first);

            server.push(context(web, api, db, cache));
            DeltaDiscoveryResponse added = await(c, XdsType.CLUSTER);
            assertThat(names(added)).as("only the new cluster is sent").containsExactly(CACHE);
            c.ack(added);

            server.push(context(web, api, cache));
            DeltaDiscoveryResponse removed = await(c, XdsType.CLUSTER);
            assertThat(removed.getResourcesList()).isEmpty();
            assertThat(removed.getRemovedResourcesList()).containsExactly(DB);
            c.ack(removed);

            server.push(context(web, api, cache));
            assertThat(c.next(XdsType.CLUSTER, QUIET)).as("an unchanged push sends nothing").isNull();

            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!status(XdsType.CLUSTER).inSync() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            ProxyStatus ps = server.proxyStatuses().getFirst();
            assertThat(ps.api()).isEqualTo("delta");
            assertThat(ps.type(XdsType.CLUSTER).ackedVersion()).isEqualTo(removed.getSystemVersionInfo());
            assertThat(ps.type(XdsType.CLUSTER).inSync()).isTrue();
        }
    }

    @Test
    void explicitWildcardAndNamedSubscriptionsWithUnsubscribe() throws Exception {
        try (DeltaAdsTestClient c = client()) {
            c.subscribe(XdsType.CLUSTER, List.of("*"), Map.of());
            assertThat(names(await(c, XdsType.CLUSTER))).contains(API, DB);

            c.subscribe(XdsType.ENDPOINT, List.of(API, "outbound|1||nope.default.svc.cluster.local"), Map.of());
            DeltaDiscoveryResponse eds = await(c, XdsType.ENDPOINT);
            assertThat(names(eds)).containsExactly(API);
            assertThat(eds.getRemovedResourcesList()).as("a name that does not exist is answered as removed")
                    .containsExactly("outbound|1||nope.default.svc.cluster.local");
            c.ack(eds);

            c.change(XdsType.ENDPOINT, List.of(DB), List.of(API));
            DeltaDiscoveryResponse more = await(c, XdsType.ENDPOINT);
            assertThat(names(more)).containsExactly(DB);
            assertThat(more.getRemovedResourcesList()).isEmpty();
            c.ack(more);

            // api moved: the proxy no longer subscribes to its endpoints, so it hears nothing about them
            server.push(context(web, apiMoved, db));
            assertThat(c.next(XdsType.ENDPOINT, QUIET)).isNull();
            assertThat(c.next(XdsType.CLUSTER, QUIET)).as("clusters did not change").isNull();
        }
    }

    @Test
    void endpointChangePushesOnlyThatAssignment() throws Exception {
        try (DeltaAdsTestClient c = client()) {
            c.subscribe(XdsType.ENDPOINT, List.of(API, DB), Map.of());
            DeltaDiscoveryResponse eds = await(c, XdsType.ENDPOINT);
            assertThat(names(eds)).containsExactlyInAnyOrder(API, DB);
            c.ack(eds);

            server.push(context(web, apiMoved, db));
            DeltaDiscoveryResponse moved = await(c, XdsType.ENDPOINT);
            assertThat(names(moved)).containsExactly(API);
            ClusterLoadAssignment cla = moved.getResources(0).getResource().unpack(ClusterLoadAssignment.class);
            assertThat(cla.toString()).contains("10.0.0.9").doesNotContain("10.0.0.2");
        }
    }

    @Test
    void nackIsRecordedAndNotResentUntilSomethingChanges() throws Exception {
        try (DeltaAdsTestClient c = client()) {
            c.subscribe(XdsType.CLUSTER, List.of(), Map.of());
            c.ack(await(c, XdsType.CLUSTER));

            server.push(context(web, api, db, cache));
            DeltaDiscoveryResponse rejected = await(c, XdsType.CLUSTER);
            assertThat(names(rejected)).containsExactly(CACHE);
            c.nack(rejected, "Cluster " + CACHE + ": lb_policy: unsupported");

            long deadline = System.nanoTime() + WAIT.toNanos();
            while (status(XdsType.CLUSTER).lastNack() == null && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            TypeSyncStatus st = status(XdsType.CLUSTER);
            assertThat(st.lastNack().error()).contains("lb_policy: unsupported");
            assertThat(st.lastNack().version()).isEqualTo(rejected.getSystemVersionInfo());
            assertThat(st.lastNack().nonce()).isEqualTo(rejected.getNonce());
            assertThat(st.inSync()).isFalse();

            server.push(context(web, api, db, cache));
            assertThat(c.next(XdsType.CLUSTER, QUIET)).as("the same rejected change is not resent").isNull();

            // Another change: the proxy still lacks the rejected cluster, so it comes again with the new one.
            server.push(context(web, api, cache));
            DeltaDiscoveryResponse next = await(c, XdsType.CLUSTER);
            assertThat(names(next)).containsExactly(CACHE);
            assertThat(next.getRemovedResourcesList()).containsExactly(DB);
        }
    }

    @Test
    void reconnectWithInitialVersionsGetsOnlyTheDifferences() throws Exception {
        Map<String, String> had;
        try (DeltaAdsTestClient c = client()) {
            c.subscribe(XdsType.CLUSTER, List.of(), Map.of());
            DeltaDiscoveryResponse first = await(c, XdsType.CLUSTER);
            c.ack(first);
            had = versions(first);
        }
        try (DeltaAdsTestClient again = client()) {
            again.subscribe(XdsType.CLUSTER, List.of(), had);
            DeltaDiscoveryResponse nothing = await(again, XdsType.CLUSTER);
            assertThat(nothing.getResourcesList()).as("nothing changed while away").isEmpty();
            assertThat(nothing.getRemovedResourcesList()).isEmpty();
        }
        server.push(context(web, api, cache));
        try (DeltaAdsTestClient third = client()) {
            third.subscribe(XdsType.CLUSTER, List.of(), had);
            DeltaDiscoveryResponse diff = await(third, XdsType.CLUSTER);
            assertThat(names(diff)).containsExactly(CACHE);
            assertThat(diff.getRemovedResourcesList()).containsExactly(DB);
        }
    }
}
