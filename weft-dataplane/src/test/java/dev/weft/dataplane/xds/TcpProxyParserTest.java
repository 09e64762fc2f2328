package dev.weft.dataplane.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import dev.weft.dataplane.config.ListenerConfig;
import dev.weft.dataplane.config.TcpProxyConfig;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import org.junit.jupiter.api.Test;

class TcpProxyParserTest {
    private static Listener listener(TcpProxy tcp) {
        return Listener.newBuilder()
                .setName("upstream_16001")
                .setAddress(XdsFixtures.address("127.0.0.1", 16001))
                .addFilterChains(FilterChain.newBuilder().addFilters(Filter.newBuilder()
                        .setName(TcpProxyParser.FILTER_NAME).setTypedConfig(Any.pack(tcp))))
                .build();
    }

    @Test
    void parsesSingleCluster() throws Exception {
        ListenerConfig l = ListenerParser.parse(listener(TcpProxy.newBuilder().setStatPrefix("db")
                .setCluster("outbound|5432||db.example.com").build()));
        assertThat(l.isTcp()).isTrue();
        assertThat(l.http()).isNull();
        assertThat(l.tcp().clusters()).containsExactly(
                new TcpProxyConfig.WeightedCluster("outbound|5432||db.example.com", 1));
        assertThat(l.tcp().idleTimeout()).isEqualTo(TcpProxyConfig.DEFAULT_IDLE_TIMEOUT);
    }

    @Test
    void parsesWeightedClustersAndIdleTimeout() throws Exception {
        ListenerConfig l = ListenerParser.parse(listener(TcpProxy.newBuilder().setStatPrefix("s")
                .setWeightedClusters(TcpProxy.WeightedCluster.newBuilder()
                        .addClusters(TcpProxy.WeightedCluster.ClusterWeight.newBuilder().setName("a").setWeight(3))
                        .addClusters(TcpProxy.WeightedCluster.ClusterWeight.newBuilder().setName("b").setWeight(1)))
                .setIdleTimeout(Duration.newBuilder().setSeconds(30))
                .build()));
        assertThat(l.tcp().clusters()).extracting(TcpProxyConfig.WeightedCluster::name).containsExactly("a", "b");
        assertThat(l.tcp().totalWeight()).isEqualTo(4);
        assertThat(l.tcp().idleTimeout()).isEqualTo(java.time.Duration.ofSeconds(30));
    }

    @Test
    void nacksUnsupportedFieldsNamingThem() {
        assertThatThrownBy(() -> ListenerParser.parse(listener(TcpProxy.newBuilder().setStatPrefix("s")
                .setCluster("c").setMaxConnectAttempts(UInt32Value.of(3)).build())))
                .isInstanceOf(ResourceRejectedException.class)
                .hasMessageContaining("max_connect_attempts");
        assertThatThrownBy(() -> ListenerParser.parse(listener(TcpProxy.newBuilder().setStatPrefix("s")
                .setCluster("c").setDownstreamIdleTimeout(Duration.newBuilder().setSeconds(1)).build())))
                .hasMessageContaining("downstream_idle_timeout");
        assertThatThrownBy(() -> ListenerParser.parse(listener(TcpProxy.newBuilder().setStatPrefix("s").build())))
                .hasMessageContaining("needs cluster or weighted_clusters");
        assertThatThrownBy(() -> ListenerParser.parse(listener(TcpProxy.newBuilder().setStatPrefix("s")
                .setWeightedClusters(TcpProxy.WeightedCluster.newBuilder()
                        .addClusters(TcpProxy.WeightedCluster.ClusterWeight.newBuilder().setName("a").setWeight(0)))
                .build())))
                .hasMessageContaining("weighted_clusters.clusters[0].weight");
    }
}
