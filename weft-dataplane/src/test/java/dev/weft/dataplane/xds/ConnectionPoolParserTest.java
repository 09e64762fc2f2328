package dev.weft.dataplane.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.util.Durations;
import dev.weft.dataplane.cluster.SlowStart;
import dev.weft.dataplane.config.ClusterConfig;
import dev.weft.dataplane.pool.ConnectionPoolConfig;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.UpstreamConnectionOptions;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.RuntimeDouble;
import io.envoyproxy.envoy.config.core.v3.TcpKeepalive;
import io.envoyproxy.envoy.type.v3.Percent;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ConnectionPoolParserTest {
    private static Cluster.Builder withCommon(HttpProtocolOptions common) {
        return XdsFixtures.edsCluster("c").toBuilder().putTypedExtensionProtocolOptions(ClusterParser.HTTP_PROTOCOL_OPTIONS,
                Any.pack(io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.newBuilder()
                        .setExplicitHttpConfig(io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                                .ExplicitHttpConfig.newBuilder().setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance()))
                        .setCommonHttpProtocolOptions(common).build()));
    }

    @Test
    void readsCommonHttpProtocolOptionsAndKeepalive() throws Exception {
        ClusterConfig c = ClusterParser.parse(withCommon(HttpProtocolOptions.newBuilder()
                        .setIdleTimeout(Durations.fromSeconds(90))
                        .setMaxRequestsPerConnection(UInt32Value.of(20))
                        .setMaxConnectionDuration(Durations.fromSeconds(600)).build())
                .setUpstreamConnectionOptions(UpstreamConnectionOptions.newBuilder().setTcpKeepalive(TcpKeepalive
                        .newBuilder().setKeepaliveProbes(UInt32Value.of(9)).setKeepaliveTime(UInt32Value.of(600))
                        .setKeepaliveInterval(UInt32Value.of(75))))
                .build());
        assertThat(c.http2()).isTrue();
        assertThat(c.connectionPool()).isEqualTo(new ConnectionPoolConfig(Duration.ofSeconds(90), 20,
                Duration.ofSeconds(600), new ConnectionPoolConfig.TcpKeepalive(9, 600, 75)));
        assertThat(ClusterParser.parse(XdsFixtures.edsCluster("d")).connectionPool())
                .isEqualTo(ConnectionPoolConfig.DEFAULT);
    }

    @Test
    void nacksCommonOptionsItCannotApply() {
        assertThatThrownBy(() -> ClusterParser.parse(withCommon(HttpProtocolOptions.newBuilder()
                .setMaxStreamDuration(Durations.fromSeconds(5)).build()).build()))
                .isInstanceOf(ResourceRejectedException.class)
                .hasMessageContaining("common_http_protocol_options.max_stream_duration");
    }

    @Test
    void readsSlowStartOfTheBalancerInUse() throws Exception {
        Cluster.SlowStartConfig slow = Cluster.SlowStartConfig.newBuilder()
                .setSlowStartWindow(Durations.fromSeconds(30))
                .setAggression(RuntimeDouble.newBuilder().setDefaultValue(2.0).setRuntimeKey("k"))
                .setMinWeightPercent(Percent.newBuilder().setValue(25)).build();
        ClusterConfig rr = ClusterParser.parse(XdsFixtures.edsCluster("c").toBuilder()
                .setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN)
                .setRoundRobinLbConfig(Cluster.RoundRobinLbConfig.newBuilder().setSlowStartConfig(slow)).build());
        assertThat(rr.slowStart()).isEqualTo(new SlowStart(Duration.ofSeconds(30), 2.0, 25));
        ClusterConfig lr = ClusterParser.parse(XdsFixtures.edsCluster("c").toBuilder()
                .setLbPolicy(Cluster.LbPolicy.LEAST_REQUEST)
                .setLeastRequestLbConfig(Cluster.LeastRequestLbConfig.newBuilder().setSlowStartConfig(
                        Cluster.SlowStartConfig.newBuilder().setSlowStartWindow(Durations.fromSeconds(5)))).build());
        assertThat(lr.slowStart()).isEqualTo(new SlowStart(Duration.ofSeconds(5), 1.0, 10));
        ClusterConfig otherBalancer = ClusterParser.parse(XdsFixtures.edsCluster("c").toBuilder()
                .setLbPolicy(Cluster.LbPolicy.LEAST_REQUEST)
                .setRoundRobinLbConfig(Cluster.RoundRobinLbConfig.newBuilder().setSlowStartConfig(slow)).build());
        assertThat(otherBalancer.slowStart()).isNull();
        assertThatThrownBy(() -> ClusterParser.parse(XdsFixtures.edsCluster("c").toBuilder()
                .setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN)
                .setRoundRobinLbConfig(Cluster.RoundRobinLbConfig.newBuilder().setSlowStartConfig(slow.toBuilder()
                        .setAggression(RuntimeDouble.newBuilder().setDefaultValue(0)))).build()))
                .hasMessageContaining("round_robin_lb_config.slow_start_config.aggression");
    }
}
