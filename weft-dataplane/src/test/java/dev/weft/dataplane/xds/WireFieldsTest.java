package dev.weft.dataplane.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import dev.weft.dataplane.config.ClusterConfig;
import dev.weft.dataplane.config.RouteTable;
import dev.weft.dataplane.fault.FaultPolicy;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultDelay;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import org.junit.jupiter.api.Test;

/** Map fields found on the wire, so the decoder asks the generated maps (which build descriptors) only then. */
class WireFieldsTest {
    private static final int[] PER_FILTER_CONFIG = {RouteConfiguration.VIRTUAL_HOSTS_FIELD_NUMBER,
            VirtualHost.ROUTES_FIELD_NUMBER, Route.TYPED_PER_FILTER_CONFIG_FIELD_NUMBER};

    private static final Any HTTP2 = Any.pack(HttpProtocolOptions.newBuilder().setExplicitHttpConfig(
            HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
                    .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance())).build());

    private static final Any FAULT = Any.pack(HTTPFault.newBuilder().setDelay(FaultDelay.newBuilder()
            .setFixedDelay(com.google.protobuf.util.Durations.fromMillis(5))).build());

    @Test
    void findsATopLevelField() {
        Cluster plain = XdsFixtures.edsCluster("c");
        Cluster h2 = plain.toBuilder().putTypedExtensionProtocolOptions(ClusterParser.HTTP_PROTOCOL_OPTIONS, HTTP2)
                .build();
        assertThat(WireFields.contains(plain.toByteString(), Cluster.TYPED_EXTENSION_PROTOCOL_OPTIONS_FIELD_NUMBER))
                .isFalse();
        assertThat(WireFields.contains(h2.toByteString(), Cluster.TYPED_EXTENSION_PROTOCOL_OPTIONS_FIELD_NUMBER))
                .isTrue();
    }

    @Test
    void findsAFieldInsideAnyOccurrenceOfRepeatedEmbeddedMessages() {
        Route plain = XdsFixtures.route("/", "c");
        Route faulty = plain.toBuilder().putTypedPerFilterConfig(FaultPolicy.FILTER, FAULT).build();
        RouteConfiguration none = RouteConfiguration.newBuilder().setName("r")
                .addVirtualHosts(host("a", plain, plain)).addVirtualHosts(host("b", plain)).build();
        RouteConfiguration lastRoute = none.toBuilder().addVirtualHosts(host("c", plain, faulty)).build();
        // a virtual host's own typed_per_filter_config is not a route's
        RouteConfiguration hostLevel = none.toBuilder().addVirtualHosts(host("d", plain).toBuilder()
                .putTypedPerFilterConfig(FaultPolicy.FILTER, FAULT)).build();
        assertThat(WireFields.contains(none.toByteString(), PER_FILTER_CONFIG)).isFalse();
        assertThat(WireFields.contains(lastRoute.toByteString(), PER_FILTER_CONFIG)).isTrue();
        assertThat(WireFields.contains(hostLevel.toByteString(), PER_FILTER_CONFIG)).isFalse();
    }

    @Test
    void bytesThatDoNotParseAnswerTrueSoTheMessageIsAsked() {
        assertThat(WireFields.contains(ByteString.copyFrom(new byte[] {(byte) 0x9a, (byte) 0xff}), 1, 2)).isTrue();
    }

    @Test
    void splitsAFieldOffTheBytesAndReadsItsMapEntries() throws Exception {
        Cluster plain = XdsFixtures.edsCluster("c");
        Any other = Any.pack(com.google.protobuf.StringValue.of("x"));
        Cluster both = plain.toBuilder().putTypedExtensionProtocolOptions(ClusterParser.HTTP_PROTOCOL_OPTIONS, HTTP2)
                .putTypedExtensionProtocolOptions("other", other).build();
        WireFields.Split split = WireFields.split(both.toByteString(),
                Cluster.TYPED_EXTENSION_PROTOCOL_OPTIONS_FIELD_NUMBER);
        assertThat(Cluster.parseFrom(split.rest())).isEqualTo(plain);
        assertThat(WireFields.stringToAny(split.removed()))
                .containsExactlyInAnyOrderEntriesOf(both.getTypedExtensionProtocolOptionsMap());
        WireFields.Split none = WireFields.split(plain.toByteString(),
                Cluster.TYPED_EXTENSION_PROTOCOL_OPTIONS_FIELD_NUMBER);
        assertThat(none.rest()).isEqualTo(plain.toByteString());
        assertThat(none.removed()).isEmpty();
    }

    @Test
    void takesTheEndpointsMetadataOffAndReadsItsWeftStruct() throws Exception {
        ClusterLoadAssignment withMetadata = XdsFixtures.endpoints("c", "10.0.0.1", "10.0.0.2");
        // a second locality whose endpoint has no metadata: its place in the list is null
        ClusterLoadAssignment mixed = withMetadata.toBuilder().addEndpoints(LocalityLbEndpoints.newBuilder()
                .addLbEndpoints(XdsFixtures.lbEndpoint("10.0.0.3", 15006))).build();
        WireFields.Extracted split = ClusterLoadAssignmentParser.metadataFromWire(mixed.toByteString(),
                ClusterLoadAssignment.ENDPOINTS_FIELD_NUMBER, LocalityLbEndpoints.LB_ENDPOINTS_FIELD_NUMBER);
        ClusterLoadAssignment rest = ClusterLoadAssignment.parseFrom(split.rest());
        assertThat(rest.getEndpoints(0).getLbEndpoints(0).hasMetadata()).isFalse();
        assertThat(rest.getEndpoints(0).getLbEndpoints(1).getEndpoint())
                .isEqualTo(mixed.getEndpoints(0).getLbEndpoints(1).getEndpoint());
        var weft = ClusterLoadAssignmentParser.weftMetadata(split.taken());
        assertThat(weft).hasSize(3).isEqualTo(ClusterLoadAssignmentParser.weftMetadata(mixed));
        assertThat(weft.get(0)).containsEntry("sidecar", true).containsEntry("labels", java.util.Map.of("version", "v1"));
        assertThat(weft.get(2)).isNull();
    }

    @Test
    void theDecoderStillAppliesWhatTheMapsCarry() throws Exception {
        Cluster h2 = XdsFixtures.edsCluster("c").toBuilder()
                .putTypedExtensionProtocolOptions(ClusterParser.HTTP_PROTOCOL_OPTIONS, HTTP2).build();
        var cluster = (ClusterConfig) ResourceDecoder.decode(Any.pack(h2), XdsTypes.CLUSTER).config();
        assertThat(cluster.http2()).isTrue();
        var plain = (ClusterConfig) ResourceDecoder.decode(Any.pack(XdsFixtures.edsCluster("c")), XdsTypes.CLUSTER)
                .config();
        assertThat(plain.http2()).isFalse();

        Route faulty = XdsFixtures.route("/", "c").toBuilder().putTypedPerFilterConfig(FaultPolicy.FILTER, FAULT)
                .build();
        var table = (RouteTable) ResourceDecoder.decode(Any.pack(XdsFixtures.routes("r", XdsFixtures.route("/x", "c"),
                faulty)), XdsTypes.ROUTE).config();
        var routes = table.virtualHosts().getFirst().routes();
        assertThat(routes.get(0).fault()).isNull();
        assertThat(routes.get(1).fault().delay().millis()).isEqualTo(5);

        var eds = (dev.weft.dataplane.config.EndpointSet) ResourceDecoder.decode(Any.pack(
                XdsFixtures.endpoints("c", "10.0.0.1")), XdsTypes.ENDPOINT).config();
        assertThat(eds.endpoints().getFirst().sidecar()).isTrue();
        assertThat(eds.endpoints().getFirst().labels()).containsEntry("version", "v1");
        Cluster staticCluster = Cluster.newBuilder().setName("s").setType(Cluster.DiscoveryType.STATIC)
                .setLoadAssignment(XdsFixtures.endpoints("s", "10.0.0.9")).build();
        var inline = (ClusterConfig) ResourceDecoder.decode(Any.pack(staticCluster), XdsTypes.CLUSTER).config();
        assertThat(inline.loadAssignment().endpoints().getFirst().labels()).containsEntry("version", "v1");
        assertThat(inline.loadAssignment().endpoints().getFirst().sidecar()).isTrue();
    }

    private static VirtualHost host(String name, Route... routes) {
        VirtualHost.Builder b = VirtualHost.newBuilder().setName(name).addDomains(name);
        for (Route r : routes) {
            b.addRoutes(r);
        }
        return b.build();
    }
}
