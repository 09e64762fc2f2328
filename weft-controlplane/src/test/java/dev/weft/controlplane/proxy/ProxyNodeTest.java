package dev.weft.controlplane.proxy;

import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.weft.controlplane.TestNodes;
import io.envoyproxy.envoy.config.core.v3.Node;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProxyNodeTest {

    @Test
    void readsTheDocumentedMetadata() throws Exception {
        Node node = TestNodes.sidecar("reviews", "shop", "10.1.2.3", 9080, 15006, Map.of("version", "v2", "app", "reviews"),
                List.of("ratings=16001", "details.other:9080=16002"));
        ProxyNode p = ProxyNode.fromNode(node);
        assertThat(p.service()).isEqualTo("reviews");
        assertThat(p.namespace()).isEqualTo("shop");
        assertThat(p.serviceHost()).isEqualTo("reviews.shop.svc.cluster.local");
        assertThat(p.labels()).isEqualTo(Map.of("app", "reviews", "version", "v2"));
        assertThat(p.address()).isEqualTo("10.1.2.3");
        assertThat(p.appPort()).isEqualTo(9080);
        assertThat(p.servicePort()).isEqualTo(9080);
        assertThat(p.inboundPort()).isEqualTo(15006);
        assertThat(p.outboundPort()).isEqualTo(15001);
        assertThat(p.upstreams()).containsExactly(new UpstreamBinding("ratings", 0, 16001),
                new UpstreamBinding("details.other", 9080, 16002));
        assertThat(p.servesInbound()).isTrue();
    }

    @Test
    void numbersMaySendAsNumbersAndDefaultsApply() throws Exception {
        Node node = Node.newBuilder().setId("x").setCluster("api").setMetadata(Struct.newBuilder()
                .putFields("WEFT_APP_PORT", Value.newBuilder().setNumberValue(8080).build())
                .putFields("INSTANCE_IPS", Value.newBuilder().setStringValue("10.0.0.1,10.0.0.2").build())).build();
        ProxyNode p = ProxyNode.fromNode(node);
        assertThat(p.service()).isEqualTo("api");
        assertThat(p.namespace()).isEqualTo("default");
        assertThat(p.appPort()).isEqualTo(8080);
        assertThat(p.servicePort()).isEqualTo(8080);
        assertThat(p.address()).isEqualTo("10.0.0.1");
        assertThat(p.inboundPort()).isZero();
        assertThat(p.servesInbound()).isFalse();
    }

    @Test
    void badMetadataIsRejectedNamingTheKey() {
        Node badPort = Node.newBuilder().setId("x").setMetadata(Struct.newBuilder()
                .putFields("WEFT_INBOUND_PORT", Value.newBuilder().setStringValue("http").build())).build();
        assertThatThrownBy(() -> ProxyNode.fromNode(badPort)).isInstanceOf(InvalidNodeException.class)
                .hasMessageContaining("WEFT_INBOUND_PORT").hasMessageContaining("'http'");

        Node badUpstream = Node.newBuilder().setId("x").setMetadata(Struct.newBuilder()
                .putFields("WEFT_UPSTREAMS", Value.newBuilder().setListValue(ListValue.newBuilder()
                        .addValues(Value.newBuilder().setStringValue("reviews"))).build())).build();
        assertThatThrownBy(() -> ProxyNode.fromNode(badUpstream)).hasMessageContaining("SERVICE[:PORT]=LOCALPORT");

        Node badLabels = Node.newBuilder().setId("x").setMetadata(Struct.newBuilder()
                .putFields("LABELS", Value.newBuilder().setStringValue("app=x").build())).build();
        assertThatThrownBy(() -> ProxyNode.fromNode(badLabels)).hasMessageContaining("LABELS");

        assertThatThrownBy(() -> ProxyNode.fromNode(Node.getDefaultInstance())).hasMessageContaining("node.id");
    }
}
