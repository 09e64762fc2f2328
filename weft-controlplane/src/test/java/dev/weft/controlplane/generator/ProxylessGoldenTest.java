package dev.weft.controlplane.generator;

import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.weft.controlplane.proxy.InvalidNodeException;
import dev.weft.controlplane.proxy.ProxyNode;
import dev.weft.controlplane.push.PushContext;
import dev.weft.controlplane.xds.XdsType;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What a proxyless gRPC client gets: API listeners named as asked, the gRPC subset of routes and clusters. */
class ProxylessGoldenTest {
    private static final Generators GENERATORS = Generators.standard();

    /** A node as a stock gRPC client sends it from a bootstrap file with Istio's {@code GENERATOR: grpc}. */
    static ProxyNode grpcClient(Map<String, String> metadata) {
        Struct.Builder md = Struct.newBuilder();
        metadata.forEach((k, v) -> md.putFields(k, Value.newBuilder().setStringValue(v).build()));
        try {
            return ProxyNode.fromNode(Node.newBuilder().setId("proxyless~10.0.0.9~client.default")
                    .setUserAgentName("gRPC Java").setMetadata(md).build());
        } catch (InvalidNodeException e) {
            throw new AssertionError(e);
        }
    }

    private static final ProxyNode CLIENT = grpcClient(Map.of("GENERATOR", "grpc", "NAMESPACE", "default"));

    @Test
    void roleComesFromWeftRoleOrIstiosGenerator() {
        assertThat(CLIENT.proxyless()).isTrue();
        assertThat(grpcClient(Map.of("WEFT_ROLE", "proxyless")).proxyless()).isTrue();
        assertThat(grpcClient(Map.of("GENERATOR", "grpc", "WEFT_ROLE", "sidecar")).proxyless()).isFalse();
        assertThat(grpcClient(Map.of()).proxyless()).isFalse();
        assertThat(GeneratorGoldenTest.productpage().proxyless()).isFalse();
    }

    @Test
    void weightedSplitHeaderMatchesAndWhatGrpcCannotApply() throws Exception {
        PushContext context = GeneratorGoldenTest.context("weighted-headers", GeneratorGoldenTest.bookinfoProxies());
        GoldenFiles.assertMatches("proxyless-weighted-headers.json", ResourceJson.render(GENERATORS, context, CLIENT));

        // LDS answers exactly the names asked for, in any form a sidecar's app could use as Host
        Set<String> asked = Set.of("reviews:9080", "reviews", "reviews.default:9080", "reviews.default.svc:9080",
                "reviews.default.svc.cluster.local:9080", "reviews:9999", "unknown.default.svc.cluster.local:80");
        SortedMap<String, Message> listeners = GENERATORS.forType(XdsType.LISTENER).generate(context, CLIENT, asked);
        assertThat(listeners.keySet()).containsExactlyInAnyOrder("reviews:9080", "reviews", "reviews.default:9080",
                "reviews.default.svc:9080", "reviews.default.svc.cluster.local:9080");
        Listener listener = (Listener) listeners.get("reviews:9080");
        assertThat(listener.hasAddress()).isFalse();
        HttpConnectionManager hcm = listener.getApiListener().getApiListener().unpack(HttpConnectionManager.class);
        assertThat(hcm.getHttpFiltersList()).extracting(HttpFilter::getName)
                .containsExactly(FaultInjectionTranslator.FILTER, ListenerGenerator.ROUTER_FILTER);
        assertThat(hcm.getRouteConfig().getName()).isEqualTo("reviews:9080");
        List<Route> routes = hcm.getRouteConfig().getVirtualHosts(0).getRoutesList();
        // sourceLabels for someone else: not this client; the regex+GET+query match and the :authority match are
        // left out (gRPC cannot see them); the redirect fails calls instead of falling through; the split stays
        assertThat(routes).extracting(Route::getName).containsExactly("old", "split");
        assertThat(routes.get(0).hasNonForwardingAction()).isTrue();
        assertThat(routes.get(1).getRoute().getWeightedClusters().getClustersList())
                .extracting(c -> c.getName() + "=" + c.getWeight().getValue())
                .containsExactly("outbound|9080|v1|reviews.default.svc.cluster.local=80",
                        "outbound|9080|v3|reviews.default.svc.cluster.local=20");
        assertThat(routes.get(1).getRequestHeadersToAddList()).isEmpty();
        // Istio's default retry policy, as gRPC reads it
        assertThat(routes.get(1).getRoute().getRetryPolicy().getRetryOn()).isEqualTo("unavailable,cancelled");
        assertThat(routes.get(1).getRoute().getRetryPolicy().getNumRetries().getValue()).isEqualTo(2);

        // no RDS: routes are inline
        assertThat(GENERATORS.forType(XdsType.ROUTE).generate(context, CLIENT, Set.of("reviews:9080"))).isEmpty();

        // EDS: the locality carries a weight (gRPC drops localities without one)
        ClusterLoadAssignment cla = (ClusterLoadAssignment) GENERATORS.forType(XdsType.ENDPOINT)
                .generate(context, CLIENT).get("outbound|9080|v1|reviews.default.svc.cluster.local");
        assertThat(cla.getEndpoints(0).getLoadBalancingWeight().getValue()).isEqualTo(1);
        assertThat(cla.getEndpoints(0).getLbEndpointsCount()).isEqualTo(1);
    }

    @Test
    void timeoutsRetriesAndCircuitBreakers() throws Exception {
        PushContext context = GeneratorGoldenTest.context("resilience", GeneratorGoldenTest.bookinfoProxies());
        GoldenFiles.assertMatches("proxyless-resilience.json", ResourceJson.render(GENERATORS, context, CLIENT));
    }

    @Test
    void loadBalancersGrpcHas() throws Exception {
        PushContext context = GeneratorGoldenTest.context("subsets-hash", GeneratorGoldenTest.bookinfoProxies());
        GoldenFiles.assertMatches("proxyless-subsets-hash.json", ResourceJson.render(GENERATORS, context, CLIENT));
        for (Message m : GENERATORS.forType(XdsType.CLUSTER).generate(context, CLIENT).values()) {
            Cluster c = (Cluster) m;
            assertThat(c.getLbPolicy()).as(c.getName()).isIn(Cluster.LbPolicy.ROUND_ROBIN,
                    Cluster.LbPolicy.LEAST_REQUEST, Cluster.LbPolicy.RING_HASH);
            assertThat(c.hasTransportSocket()).isFalse();
            assertThat(c.hasOutlierDetection()).isFalse();
            assertThat(c.getTypedExtensionProtocolOptionsMap()).isEmpty();
        }
    }

    @Test
    void virtualServiceHostsWithoutAServiceAreTargetsOnPort80() throws Exception {
        PushContext context = GeneratorGoldenTest.context("bookinfo", GeneratorGoldenTest.bookinfoProxies());
        SortedMap<String, Message> listeners = GENERATORS.forType(XdsType.LISTENER).generate(context, CLIENT,
                Set.of("bookinfo.example.com", "bookinfo.example.com:80", "bookinfo.example.com:9080"));
        assertThat(listeners.keySet()).containsExactlyInAnyOrder("bookinfo.example.com", "bookinfo.example.com:80");
        HttpConnectionManager hcm = ((Listener) listeners.get("bookinfo.example.com")).getApiListener()
                .getApiListener().unpack(HttpConnectionManager.class);
        assertThat(hcm.getRouteConfig().getVirtualHosts(0).getRoutesList()).isNotEmpty()
                .allSatisfy(r -> assertThat(r.getRoute().getCluster()).startsWith("outbound|9080|"));
    }
}
