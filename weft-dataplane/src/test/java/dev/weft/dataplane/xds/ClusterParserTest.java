package dev.weft.dataplane.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.UInt64Value;
import dev.weft.dataplane.config.ClusterConfig;
import dev.weft.dataplane.config.Endpoint;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClusterParserTest {

    static Cluster staticCluster(Cluster.DiscoveryType type, String... hosts) {
        LocalityLbEndpoints.Builder l = LocalityLbEndpoints.newBuilder();
        for (String h : hosts) {
            l.addLbEndpoints(XdsFixtures.lbEndpoint(h, 8080));
        }
        return Cluster.newBuilder().setName("static").setType(type)
                .setLoadAssignment(ClusterLoadAssignment.newBuilder().setClusterName("static").addEndpoints(l))
                .build();
    }

    @Test
    void parsesEdsCluster() throws Exception {
        ClusterConfig c = ClusterParser.parse(XdsFixtures.edsCluster(XdsFixtures.REVIEWS).toBuilder()
                .setLbPolicy(Cluster.LbPolicy.LEAST_REQUEST).build());
        assertThat(c).isEqualTo(new ClusterConfig(XdsFixtures.REVIEWS, ClusterConfig.DiscoveryType.EDS,
                XdsFixtures.REVIEWS, null, ClusterConfig.LbPolicy.LEAST_REQUEST, 0, Duration.ofSeconds(2), 0));
    }

    @Test
    void edsServiceNameDefaultsToClusterNameAndTimeoutToTenSeconds() throws Exception {
        Cluster proto = XdsFixtures.edsCluster("c").toBuilder().clearConnectTimeout()
                .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setEdsConfig(XdsFixtures.ADS)).build();
        ClusterConfig c = ClusterParser.parse(proto);
        assertThat(c.edsServiceName()).isEqualTo("c");
        assertThat(c.connectTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.lbPolicy()).isEqualTo(ClusterConfig.LbPolicy.ROUND_ROBIN);
    }

    @Test
    void parsesHashPolicies() throws Exception {
        ClusterConfig ring = ClusterParser.parse(XdsFixtures.edsCluster("c").toBuilder()
                .setLbPolicy(Cluster.LbPolicy.RING_HASH)
                .setRingHashLbConfig(Cluster.RingHashLbConfig.newBuilder()
                        .setMinimumRingSize(UInt64Value.of(4096))
                        .setMaximumRingSize(UInt64Value.of(65536))).build());
        assertThat(ring.lbPolicy()).isEqualTo(ClusterConfig.LbPolicy.RING_HASH);
        assertThat(ring.ringSize()).isEqualTo(4096);
        assertThat(ring.maxRingSize()).isEqualTo(65536);
        assertThat(ClusterParser.parse(XdsFixtures.edsCluster("c").toBuilder()
                .setLbPolicy(Cluster.LbPolicy.RING_HASH).build()).ringSize()).isEqualTo(1024);
        ClusterConfig maglev = ClusterParser.parse(XdsFixtures.edsCluster("c").toBuilder()
                .setLbPolicy(Cluster.LbPolicy.MAGLEV).build());
        assertThat(maglev.ringSize()).isEqualTo(65537);
        assertThat(ClusterParser.parse(XdsFixtures.edsCluster("c").toBuilder().setLbPolicy(Cluster.LbPolicy.MAGLEV)
                .setMaglevLbConfig(Cluster.MaglevLbConfig.newBuilder().setTableSize(UInt64Value.of(251))).build())
                .ringSize()).isEqualTo(251);
        assertThat(ClusterParser.parse(XdsFixtures.edsCluster("c").toBuilder().setLbPolicy(Cluster.LbPolicy.RANDOM)
                .build()).lbPolicy()).isEqualTo(ClusterConfig.LbPolicy.RANDOM);
    }

    @Test
    void parsesStaticAndDnsClusters() throws Exception {
        ClusterConfig s = ClusterParser.parse(staticCluster(Cluster.DiscoveryType.STATIC, "127.0.0.1"));
        assertThat(s.type()).isEqualTo(ClusterConfig.DiscoveryType.STATIC);
        assertThat(s.edsServiceName()).isNull();
        assertThat(s.loadAssignment().endpoints()).containsExactly(new Endpoint("127.0.0.1", 8080, 1, true, false,
                Map.of()));
        ClusterConfig dns = ClusterParser.parse(staticCluster(Cluster.DiscoveryType.STRICT_DNS, "httpbin.org",
                "10.1.2.3"));
        assertThat(dns.loadAssignment().endpoints()).extracting(Endpoint::host)
                .containsExactly("httpbin.org", "10.1.2.3");
        assertThat(ClusterParser.parse(staticCluster(Cluster.DiscoveryType.LOGICAL_DNS, "api.example.com"))
                .type()).isEqualTo(ClusterConfig.DiscoveryType.LOGICAL_DNS);
    }

    @Test
    void parsesExplicitHttp1AndHttp2UpstreamsAndRejectsAutoSelection() throws Exception {
        var http1 = io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.newBuilder()
                .setExplicitHttpConfig(io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                        .ExplicitHttpConfig.newBuilder().setHttpProtocolOptions(
                                io.envoyproxy.envoy.config.core.v3.Http1ProtocolOptions.getDefaultInstance()))
                .build();
        ClusterConfig h1 = ClusterParser.parse(XdsFixtures.edsCluster("c").toBuilder().putTypedExtensionProtocolOptions(
                ClusterParser.HTTP_PROTOCOL_OPTIONS, com.google.protobuf.Any.pack(http1)).build());
        assertThat(h1.http2()).isFalse();
        assertThat(ClusterParser.parse(XdsFixtures.edsCluster("c")).http2()).isFalse();
        var http2 = http1.toBuilder().setExplicitHttpConfig(io.envoyproxy.envoy.extensions.upstreams.http.v3
                .HttpProtocolOptions.ExplicitHttpConfig.newBuilder().setHttp2ProtocolOptions(
                        io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions.getDefaultInstance())).build();
        assertThat(ClusterParser.parse(XdsFixtures.edsCluster("c").toBuilder()
                .putTypedExtensionProtocolOptions(ClusterParser.HTTP_PROTOCOL_OPTIONS,
                        com.google.protobuf.Any.pack(http2)).build()).http2()).isTrue();
        var auto = http1.toBuilder().setAutoConfig(io.envoyproxy.envoy.extensions.upstreams.http.v3
                .HttpProtocolOptions.AutoHttpConfig.getDefaultInstance()).build();
        assertThatThrownBy(() -> ClusterParser.parse(XdsFixtures.edsCluster("c").toBuilder()
                .putTypedExtensionProtocolOptions(ClusterParser.HTTP_PROTOCOL_OPTIONS,
                        com.google.protobuf.Any.pack(auto)).build()))
                .hasMessage("Cluster c: typed_extension_protocol_options[envoy.extensions.upstreams.http.v3"
                        + ".HttpProtocolOptions]: only explicit_http_config (HTTP/1.1 or HTTP/2) or "
                        + "use_downstream_protocol_config is supported, got AUTO_CONFIG");
        assertThat(h1.useDownstreamProtocol()).isFalse();
        var downstream = http1.toBuilder().setUseDownstreamProtocolConfig(io.envoyproxy.envoy.extensions.upstreams
                .http.v3.HttpProtocolOptions.UseDownstreamHttpConfig.newBuilder()
                .setHttpProtocolOptions(io.envoyproxy.envoy.config.core.v3.Http1ProtocolOptions.getDefaultInstance())
                .setHttp2ProtocolOptions(io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions.getDefaultInstance()))
                .build();
        ClusterConfig sameAsDownstream = ClusterParser.parse(XdsFixtures.edsCluster("c").toBuilder()
                .putTypedExtensionProtocolOptions(ClusterParser.HTTP_PROTOCOL_OPTIONS,
                        com.google.protobuf.Any.pack(downstream)).build());
        assertThat(sameAsDownstream.useDownstreamProtocol()).isTrue();
        assertThat(sameAsDownstream.http2()).as("HTTP/1.1 unless the request came over HTTP/2").isFalse();
        var h3 = downstream.toBuilder().setUseDownstreamProtocolConfig(downstream.getUseDownstreamProtocolConfig()
                .toBuilder().setHttp3ProtocolOptions(io.envoyproxy.envoy.config.core.v3.Http3ProtocolOptions
                        .getDefaultInstance())).build();
        assertThatThrownBy(() -> ClusterParser.parse(XdsFixtures.edsCluster("c").toBuilder()
                .putTypedExtensionProtocolOptions(ClusterParser.HTTP_PROTOCOL_OPTIONS,
                        com.google.protobuf.Any.pack(h3)).build()))
                .hasMessageEndingWith(".use_downstream_protocol_config.http3_protocol_options: HTTP/3 upstreams are "
                        + "not supported");
    }

    @Test
    void rejectsWhatItCannotApply() {
        assertThatThrownBy(() -> ClusterParser.parse(XdsFixtures.edsCluster("c").toBuilder()
                .setType(Cluster.DiscoveryType.ORIGINAL_DST).build()))
                .isInstanceOf(ResourceRejectedException.class)
                .hasMessage("Cluster c: type: unsupported cluster type ORIGINAL_DST");
        assertThatThrownBy(() -> ClusterParser.parse(XdsFixtures.edsCluster("c").toBuilder()
                .setLbPolicy(Cluster.LbPolicy.CLUSTER_PROVIDED).build()))
                .hasMessage("Cluster c: lb_policy: unsupported lb_policy CLUSTER_PROVIDED");
        assertThatThrownBy(() -> ClusterParser.parse(XdsFixtures.edsCluster("").toBuilder().build()))
                .hasMessage("Cluster <unnamed>: name: missing cluster name");
        assertThatThrownBy(() -> ClusterParser.parse(XdsFixtures.edsCluster("c").toBuilder()
                .setLbPolicy(Cluster.LbPolicy.MAGLEV)
                .setMaglevLbConfig(Cluster.MaglevLbConfig.newBuilder().setTableSize(UInt64Value.of(1000))).build()))
                .hasMessage("Cluster c: maglev_lb_config.table_size: must be a prime no larger than 5000011, got 1000");
        assertThatThrownBy(() -> ClusterParser.parse(XdsFixtures.edsCluster("c").toBuilder()
                .setLbPolicy(Cluster.LbPolicy.RING_HASH).setRingHashLbConfig(Cluster.RingHashLbConfig.newBuilder()
                        .setMinimumRingSize(UInt64Value.of(100)).setMaximumRingSize(UInt64Value.of(10))).build()))
                .hasMessageStartingWith("Cluster c: ring_hash_lb_config: need 1 <= minimum_ring_size (100)");
        assertThatThrownBy(() -> ClusterParser.parse(staticCluster(Cluster.DiscoveryType.STATIC, "db.internal")))
                .hasMessage("Cluster static: load_assignment.endpoints[0].lb_endpoints[0].endpoint.address"
                        + ".socket_address.address: not an IP address: db.internal");
        assertThatThrownBy(() -> ClusterParser.parse(staticCluster(Cluster.DiscoveryType.LOGICAL_DNS, "a.com",
                "b.com"))).hasMessage("Cluster static: load_assignment: a LOGICAL_DNS cluster needs exactly one "
                + "endpoint, got 2");
        assertThatThrownBy(() -> ClusterParser.parse(XdsFixtures.edsCluster("c").toBuilder()
                .setTransportSocket(TransportSocket.newBuilder().setName("envoy.transport_sockets.tls")).build()))
                .hasMessage("Cluster c: transport_socket: unsupported transport socket envoy.transport_sockets.tls"
                        + " (expected envoy.transport_sockets.tls with an UpstreamTlsContext)");
        assertThatThrownBy(() -> ClusterParser.parse(XdsFixtures.edsCluster("c").toBuilder()
                .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setServiceName("c")).build()))
                .hasMessage("Cluster c: eds_cluster_config.eds_config: only ads config sources are supported");
    }
}
