package dev.weft.controlplane.generator;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Value;
import dev.weft.controlplane.TestNodes;
import dev.weft.controlplane.proxy.ProxyNode;
import dev.weft.controlplane.push.PushContext;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * tcp_proxy listeners: a client's {@code --upstream} bound to a TCP service (a proxy-registered {@code --app-protocol
 * tcp} app and a ServiceEntry {@code tcp-} port), and the inbound listener of a TCP app.
 */
class TcpProxyGoldenTest {
    private static final Generators GENERATORS = Generators.standard();

    static ProxyNode echo() throws Exception {
        var node = TestNodes.sidecar("echo", "default", "10.0.0.7", 7000, 15006, Map.of("app", "echo"), List.of());
        node = node.toBuilder().setMetadata(node.getMetadata().toBuilder()
                .putFields("WEFT_APP_PROTOCOL", Value.newBuilder().setStringValue("tcp").build())).build();
        return ProxyNode.fromNode(node);
    }

    static ProxyNode client() {
        return TestNodes.proxy("client", "default", "10.0.0.8", 9080, 15006, Map.of("app", "client"),
                "echo=16001", "db.example.com=16002", "ratings=16003", "legacy.example.com=16004");
    }

    private static List<ProxyNode> mesh() throws Exception {
        return List.of(echo(), client(),
                TestNodes.proxy("ratings", "default", "10.0.0.6", 9080, 15006, Map.of("app", "ratings")));
    }

    @Test
    void upstreamListenersOfTcpServicesAreTcpProxies() throws Exception {
        PushContext context = GeneratorGoldenTest.context("tcp", mesh());
        String json = ResourceJson.render(GENERATORS, context, client());
        assertThat(json).contains(TcpProxyListeners.FILTER);
        GoldenFiles.assertMatches("tcp-client.json", json);
    }

    @Test
    void aPortWithoutDeclaredProtocolIsDetectedHttpOrTcp() throws Exception {
        PushContext context = GeneratorGoldenTest.context("tcp", mesh());
        var listener = (io.envoyproxy.envoy.config.listener.v3.Listener) GENERATORS.forType(
                dev.weft.controlplane.xds.XdsType.LISTENER).generate(context, client()).get("upstream_16004");
        assertThat(listener.getListenerFilters(0).getName()).isEqualTo("envoy.filters.listener.http_inspector");
        assertThat(listener.getContinueOnListenerFiltersTimeout()).isTrue();
        assertThat(listener.getListenerFiltersTimeout()).isEqualTo(ProtocolDetection.TIMEOUT);
        assertThat(listener.getFilterChains(0).getFilterChainMatch().getApplicationProtocolsList())
                .containsExactly("http/1.0", "http/1.1", "h2c");
        assertThat(listener.getFilterChains(0).getFilters(0).getName()).isEqualTo(ListenerGenerator.HCM_FILTER);
        assertThat(listener.getFilterChains(1).hasFilterChainMatch()).isFalse();
        assertThat(listener.getFilterChains(1).getFilters(0).getName()).isEqualTo(TcpProxyListeners.FILTER);
    }

    @Test
    void inboundListenerOfATcpAppIsATcpProxy() throws Exception {
        PushContext context = GeneratorGoldenTest.context("tcp", mesh());
        GoldenFiles.assertMatches("tcp-echo.json", ResourceJson.render(GENERATORS, context, echo()));
    }
}
