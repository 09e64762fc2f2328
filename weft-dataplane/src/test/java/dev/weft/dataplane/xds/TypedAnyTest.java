package dev.weft.dataplane.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.UnknownFieldSet;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TypedAnyTest {
    /** The parsers name types as strings (no descriptors at run time): each must be the generated type's name. */
    @Test
    void typeUrlConstantsNameTheGeneratedTypes() {
        Map<String, Message> expected = Map.ofEntries(
                Map.entry(ListenerParser.HTTP_INSPECTOR_TYPE, io.envoyproxy.envoy.extensions.filters.listener
                        .http_inspector.v3.HttpInspector.getDefaultInstance()),
                Map.entry(ListenerParser.HCM_TYPE, io.envoyproxy.envoy.extensions.filters.network
                        .http_connection_manager.v3.HttpConnectionManager.getDefaultInstance()),
                Map.entry(ListenerParser.ROUTER_TYPE,
                        io.envoyproxy.envoy.extensions.filters.http.router.v3.Router.getDefaultInstance()),
                Map.entry(RbacFilterParser.TYPE,
                        io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.getDefaultInstance()),
                Map.entry(RbacFilterParser.NETWORK_TYPE,
                        io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC.getDefaultInstance()),
                Map.entry(LocalRateLimitParser.TYPE, io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3
                        .LocalRateLimit.getDefaultInstance()),
                Map.entry(TcpProxyParser.TYPE, TcpProxy.getDefaultInstance()),
                Map.entry(TelemetryParser.STDOUT_TYPE, io.envoyproxy.envoy.extensions.access_loggers.stream.v3
                        .StdoutAccessLog.getDefaultInstance()),
                Map.entry(TransportSocketParser.UPSTREAM_TYPE, io.envoyproxy.envoy.extensions.transport_sockets.tls.v3
                        .UpstreamTlsContext.getDefaultInstance()),
                Map.entry(TransportSocketParser.DOWNSTREAM_TYPE, io.envoyproxy.envoy.extensions.transport_sockets
                        .tls.v3.DownstreamTlsContext.getDefaultInstance()),
                Map.entry(ExtAuthzParser.TYPE,
                        io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.ExtAuthz.getDefaultInstance()),
                Map.entry(JwtAuthnParser.TYPE, io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3
                        .JwtAuthentication.getDefaultInstance()),
                Map.entry(FaultPolicyParser.TYPE,
                        io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault.getDefaultInstance()),
                Map.entry(ClusterParser.HTTP_PROTOCOL_OPTIONS_TYPE, io.envoyproxy.envoy.extensions.upstreams.http.v3
                        .HttpProtocolOptions.getDefaultInstance()),
                Map.entry(ResourceDecoder.RESOURCE_WRAPPER, Resource.getDefaultInstance()));
        expected.forEach((url, message) -> assertThat(url).isEqualTo(Any.pack(message).getTypeUrl()));
    }

    @Test
    void unpacksByTypeNameWhateverTheUrlsHost() throws Exception {
        TcpProxy tcp = TcpProxy.newBuilder().setStatPrefix("db").setCluster("c").build();
        Any other = Any.newBuilder().setTypeUrl("example.com/types/envoy.extensions.filters.network.tcp_proxy.v3"
                + ".TcpProxy").setValue(tcp.toByteString()).build();
        Rejector reject = new Rejector("Listener", "l");
        assertThat(TypedAny.unpack(Any.pack(tcp), TcpProxyParser.TYPE, TcpProxy.parser(), reject, "f")).isEqualTo(tcp);
        assertThat(TypedAny.unpack(other, TcpProxyParser.TYPE, TcpProxy.parser(), reject, "f")).isEqualTo(tcp);
    }

    @Test
    void wrongTypeIsAClearNack() {
        Rejector reject = new Rejector("Listener", "l");
        Any cluster = Any.pack(Cluster.newBuilder().setName("c").build());
        assertThatThrownBy(() -> TypedAny.unpack(cluster, TcpProxyParser.TYPE, TcpProxy.parser(), reject,
                "filter_chains[0].filters[0].typed_config"))
                .isInstanceOf(ResourceRejectedException.class)
                .hasMessageContaining("Listener l: filter_chains[0].filters[0].typed_config: expected "
                        + "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, got "
                        + "type.googleapis.com/envoy.config.cluster.v3.Cluster");
        // a type whose name only ends like the expected one is not it
        Any suffix = Any.newBuilder().setTypeUrl("type.googleapis.com/x.envoy.extensions.filters.network.tcp_proxy"
                + ".v3.TcpProxy").build();
        assertThatThrownBy(() -> TypedAny.unpack(suffix, TcpProxyParser.TYPE, TcpProxy.parser(), reject, "f"))
                .hasMessageContaining("expected");
        Any garbage = Any.newBuilder().setTypeUrl(TcpProxyParser.TYPE).setValue(ByteString.copyFromUtf8("\u00ff"))
                .build();
        assertThatThrownBy(() -> TypedAny.unpack(garbage, TcpProxyParser.TYPE, TcpProxy.parser(), reject, "f"))
                .hasMessageContaining("f: cannot decode " + TcpProxyParser.TYPE);
    }

    @Test
    void resourceOfTheWrongTypeIsNacked() {
        Any listener = Any.pack(Listener.newBuilder().setName("l").build());
        assertThatThrownBy(() -> ResourceDecoder.decode(listener, XdsTypes.CLUSTER))
                .isInstanceOf(ResourceRejectedException.class)
                .hasMessageContaining("response for " + XdsTypes.CLUSTER + " carries a resource of type "
                        + XdsTypes.LISTENER);
        Any wrapped = Any.pack(Resource.newBuilder().setName("l").setResource(listener).build());
        assertThatThrownBy(() -> ResourceDecoder.decode(wrapped, XdsTypes.CLUSTER))
                .hasMessageContaining("carries a resource of type " + XdsTypes.LISTENER);
    }

    @Test
    void setFieldsAreNamedOnlyWhenThereAreAny() {
        assertThat(TypedAny.firstSetField(TcpProxy.getDefaultInstance())).isNull();
        assertThat(TypedAny.firstSetField(TcpProxy.newBuilder().setMaxConnectAttempts(UInt32Value.of(3)).build()))
                .isEqualTo("max_connect_attempts");
        assertThat(TypedAny.setFields(TcpProxy.newBuilder().setStatPrefix("s").setCluster("c").build()))
                .containsExactly("stat_prefix", "cluster");
        // a field this proto version does not know is not named (and not rejected), as before
        TcpProxy unknown = TcpProxy.newBuilder().setUnknownFields(UnknownFieldSet.newBuilder()
                .addField(999, UnknownFieldSet.Field.newBuilder().addVarint(1).build()).build()).build();
        assertThat(TypedAny.firstSetField(unknown)).isNull();
    }
}
