package dev.weft.dataplane.xds;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import dev.weft.dataplane.config.ClusterConfig;
import dev.weft.dataplane.config.ListenerConfig;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Mesh TLS in Cluster and Listener resources: the shapes Istio emits parse; anything else is NACKed by field. */
class TransportSocketParserTest {
    private static final ConfigSource ADS = ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance()).build();

    private static CommonTlsContext.Builder common(StringMatcher... sans) {
        CertificateValidationContext.Builder v = CertificateValidationContext.newBuilder();
        for (StringMatcher m : sans) {
            v.addMatchTypedSubjectAltNames(SubjectAltNameMatcher.newBuilder().setSanType(SubjectAltNameMatcher.SanType.URI).setMatcher(m));
        }
        return CommonTlsContext.newBuilder()
                .addTlsCertificateSdsSecretConfigs(SdsSecretConfig.newBuilder().setName("default").setSdsConfig(ADS))
                .setCombinedValidationContext(CommonTlsContext.CombinedCertificateValidationContext.newBuilder()
                        .setDefaultValidationContext(v)
                        .setValidationContextSdsSecretConfig(SdsSecretConfig.newBuilder().setName("ROOTCA").setSdsConfig(ADS)));
    }

    private static TransportSocket socket(com.google.protobuf.Message tls) {
        return TransportSocket.newBuilder().setName("envoy.transport_sockets.tls").setTypedConfig(Any.pack(tls)).build();
    }

    private static Cluster cluster(TransportSocket ts) {
        return Cluster.newBuilder().setName("outbound|9080||payments.default.svc.cluster.local").setType(Cluster.DiscoveryType.EDS)
                .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setEdsConfig(ADS)).setTransportSocket(ts).build();
    }

    @Test
    void clusterMeshTlsWithExactAndPrefixSanMatchers() throws Exception {
        ClusterConfig c = ClusterParser.parse(cluster(socket(UpstreamTlsContext.newBuilder().setSni("outbound_.9080_._.payments")
                .setCommonTlsContext(common(StringMatcher.newBuilder().setExact("spiffe://cluster.local/ns/default/sa/payments").build()))
                .build())));
        assertThat(c.tls().sni()).isEqualTo("outbound_.9080_._.payments");
        assertThat(c.tls().accepts("spiffe://cluster.local/ns/default/sa/payments")).isTrue();
        assertThat(c.tls().accepts("spiffe://cluster.local/ns/default/sa/payments-evil")).isFalse();
        assertThat(c.tls().accepts(null)).isFalse();
        ClusterConfig any = ClusterParser.parse(cluster(socket(UpstreamTlsContext.newBuilder()
                .setCommonTlsContext(common(StringMatcher.newBuilder().setPrefix("spiffe://").build())).build())));
        assertThat(any.tls().accepts("spiffe://other/ns/x/sa/y")).isTrue();
    }

    @Test
    void inlineCertificatesAndOtherSecretNamesAreNacked() {
        assertThatThrownBy(() -> ClusterParser.parse(cluster(socket(UpstreamTlsContext.newBuilder()
                .setCommonTlsContext(common().addTlsCertificates(TlsCertificate.getDefaultInstance())).build()))))
                .hasMessageContaining("tls_certificates").hasMessageContaining("inline certificates are not supported");
        assertThatThrownBy(() -> ClusterParser.parse(cluster(socket(UpstreamTlsContext.newBuilder()
                .setCommonTlsContext(common().setTlsCertificateSdsSecretConfigs(0, SdsSecretConfig.newBuilder().setName("file-cert"))).build()))))
                .hasMessageContaining("exactly one SDS certificate named 'default'");
        assertThatThrownBy(() -> ClusterParser.parse(cluster(socket(DownstreamTlsContext.getDefaultInstance()))))
                .hasMessageContaining("expected envoy.transport_sockets.tls with an UpstreamTlsContext");
    }

    private static FilterChain.Builder hcmChain() {
        HttpConnectionManager hcm = HttpConnectionManager.newBuilder().setStatPrefix("inbound")
                .setRouteConfig(RouteConfiguration.newBuilder().setName("inbound|8080"))
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router").setTypedConfig(Any.pack(Router.getDefaultInstance())))
                .build();
        return FilterChain.newBuilder().addFilters(Filter.newBuilder().setName("envoy.filters.network.http_connection_manager")
                .setTypedConfig(Any.pack(hcm)));
    }

    private static Listener.Builder listener() {
        return Listener.newBuilder().setName("inbound").setAddress(Address.newBuilder().setSocketAddress(
                SocketAddress.newBuilder().setAddress("127.0.0.1").setPortValue(15006)));
    }

    private static TransportSocket downstream(boolean requireClientCert) {
        return socket(DownstreamTlsContext.newBuilder().setCommonTlsContext(common())
                .setRequireClientCertificate(BoolValue.of(requireClientCert)).build());
    }

    @Test
    void strictPermissiveAndPlaintextListeners() throws Exception {
        ListenerConfig strict = ListenerParser.parse(listener().addFilterChains(hcmChain().setTransportSocket(downstream(true))).build());
        assertThat(strict.tls().plaintextAllowed()).isFalse();
        ListenerConfig permissive = ListenerParser.parse(listener()
                .addListenerFilters(ListenerFilter.newBuilder().setName("envoy.filters.listener.tls_inspector"))
                .addFilterChains(hcmChain().setFilterChainMatch(FilterChainMatch.newBuilder().setTransportProtocol("tls"))
                        .setTransportSocket(downstream(true)))
                .addFilterChains(hcmChain().setFilterChainMatch(FilterChainMatch.newBuilder().setTransportProtocol("raw_buffer")))
                .build());
        assertThat(permissive.tls().plaintextAllowed()).isTrue();
        assertThat(ListenerParser.parse(listener().addFilterChains(hcmChain()).build()).tls()).isNull();
    }

    @Test
    void oneWayTlsAndUnpairedChainsAreNacked() {
        assertThatThrownBy(() -> ListenerParser.parse(listener().addFilterChains(hcmChain().setTransportSocket(downstream(false))).build()))
                .hasMessageContaining("require_client_certificate");
        assertThatThrownBy(() -> ListenerParser.parse(listener()
                .addListenerFilters(ListenerFilter.newBuilder().setName("envoy.filters.listener.tls_inspector"))
                .addFilterChains(hcmChain().setFilterChainMatch(FilterChainMatch.newBuilder().setTransportProtocol("tls")).setTransportSocket(downstream(true)))
                .addFilterChains(hcmChain().setFilterChainMatch(FilterChainMatch.newBuilder().setTransportProtocol("tls")))
                .build()))
                .hasMessageContaining("mesh TLS / plaintext pair");
        assertThatThrownBy(() -> ListenerParser.parse(listener()
                .addFilterChains(hcmChain().setFilterChainMatch(FilterChainMatch.newBuilder().setTransportProtocol("tls")).setTransportSocket(downstream(true)))
                .addFilterChains(hcmChain().setFilterChainMatch(FilterChainMatch.newBuilder().setTransportProtocol("raw_buffer")))
                .build()))
                .hasMessageContaining("tls_inspector is required");
    }
}
