package dev.weft.controlplane.xds;

import dev.weft.config.MeshConfig;
import dev.weft.controlplane.TestNodes;
import dev.weft.controlplane.generator.Generators;
import dev.weft.controlplane.proxy.ProxyNode;
import dev.weft.controlplane.push.PushContext;
import dev.weft.controlplane.registry.ProxyRegistry;
import dev.weft.controlplane.registry.ServiceCatalogBuilder;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.stub.ServerCallStreamObserver;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

/** A proxy whose transport is not ready gets nothing queued; it later gets one push with the latest state. */
class SlowProxyTest {

    /** A response stream whose readiness the test controls. */
    static final class FakeResponses extends ServerCallStreamObserver<DiscoveryResponse> {
        final List<DiscoveryResponse> sent = new CopyOnWriteArrayList<>();
        volatile boolean ready = true;
        Runnable onReady = () -> {};

        @Override public boolean isReady() { return ready; }
        @Override public void setOnReadyHandler(Runnable r) { onReady = r; }
        @Override public void setOnCancelHandler(Runnable r) {}
        @Override public boolean isCancelled() { return false; }
        @Override public void setCompression(String c) {}
        @Override public void disableAutoInboundFlowControl() {}
        @Override public void request(int n) {}
        @Override public void setMessageCompression(boolean e) {}
        @Override public void onNext(DiscoveryResponse r) { sent.add(r); }
        @Override public void onError(Throwable t) {}
        @Override public void onCompleted() {}
    }

    private static PushContext contextWith(long version, ProxyNode... proxies) {
        return new PushContext(version, MeshConfig.EMPTY, ServiceCatalogBuilder.build(MeshConfig.EMPTY, List.of(proxies)));
    }

    private static List<String> clusterNames(DiscoveryResponse r) throws Exception {
        List<String> names = new java.util.ArrayList<>();
        for (var any : r.getResourcesList()) {
            names.add(any.unpack(Cluster.class).getName());
        }
        return names;
    }

    @Test
    void notReadyStreamSkipsPushesAndCatchesUpWithTheLatestWhenReady() throws Exception {
        var timers = Executors.newSingleThreadScheduledExecutor();
        ProxyNode web = TestNodes.proxy("web", "default", "10.0.0.1", 8080, 15006, Map.of());
        ProxyNode api = TestNodes.proxy("api", "default", "10.0.0.2", 9090, 15006, Map.of());
        ProxyNode db = TestNodes.proxy("db", "default", "10.0.0.3", 5432, 15006, Map.of());
        try (XdsServer server = new XdsServer(0, Generators.standard(),
                new ProxyRegistry(Duration.ofSeconds(5), timers, () -> {}), contextWith(1, web))) {
            FakeResponses slow = new FakeResponses();
            FakeResponses fast = new FakeResponses();
            // A same-thread executor makes every step synchronous and the test deterministic.
            AdsStream slowStream = new AdsStream(1, server, slow, new SerialExecutor(Runnable::run), PeerCredentials.PLAINTEXT);
            AdsStream fastStream = new AdsStream(2, server, fast, new SerialExecutor(Runnable::run), PeerCredentials.PLAINTEXT);
            DiscoveryRequest cds = DiscoveryRequest.newBuilder()
                    .setNode(TestNodes.sidecar("web", "default", "10.0.0.1", 8080, 15006, Map.of(), List.of()))
                    .setTypeUrl(XdsType.CLUSTER.typeUrl()).build();
            slowStream.onNext(cds);
            fastStream.onNext(cds);
            assertThat(slow.sent).hasSize(1);
            assertThat(fast.sent).hasSize(1);

            slow.ready = false;
            server.push(contextWith(2, web, api));
            slowStream.push();
            fastStream.push();
            server.push(contextWith(3, web, api, db));
            slowStream.push();
            fastStream.push();

            assertThat(fast.sent).hasSize(3);
            assertThat(slow.sent).as("nothing is queued for a stream that cannot take it").hasSize(1);

            slow.ready = true;
            slow.onReady.run();
            assertThat(slow.sent).as("one catch-up push, with the latest state").hasSize(2);
            assertThat(clusterNames(slow.sent.get(1))).contains("outbound|5432||db.default.svc.cluster.local",
                    "outbound|9090||api.default.svc.cluster.local");
            assertThat(slow.sent.get(1).getVersionInfo()).isEqualTo("2");
        } finally {
            timers.shutdownNow();
        }
    }
}
