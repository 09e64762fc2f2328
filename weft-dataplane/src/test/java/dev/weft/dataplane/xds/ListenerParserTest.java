package dev.weft.dataplane.xds;

import static dev.weft.dataplane.xds.XdsFixtures.hcm;
import static dev.weft.dataplane.xds.XdsFixtures.listener;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.Empty;
import dev.weft.dataplane.config.ListenerConfig;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import org.junit.jupiter.api.Test;

class ListenerParserTest {

    @Test
    void parsesOutboundListenerWithRds() throws Exception {
        ListenerConfig l = ListenerParser.parse(XdsFixtures.outboundListener(15001));
        assertThat(l.name()).isEqualTo("outbound");
        assertThat(l.host()).isEqualTo("127.0.0.1");
        assertThat(l.port()).isEqualTo(15001);
        assertThat(l.http().statPrefix()).isEqualTo("outbound");
        assertThat(l.http().routeConfigName()).isEqualTo("outbound");
        assertThat(l.http().inlineRoutes()).isNull();
        assertThat(l.http().httpFilters()).containsExactly("envoy.filters.http.router");
        assertThat(l.http().generateRequestId()).as("Envoy's default").isTrue();
        assertThat(l.http().useRemoteAddress()).isFalse();
        assertThat(l.http().xffNumTrustedHops()).isZero();
    }

    @Test
    void parsesInlineRoutesAndForwardingSettings() throws Exception {
        var hcm = hcm().clearRds()
                .setRouteConfig(XdsFixtures.routes("inbound|8080", XdsFixtures.route("/", "inbound|8080||")))
                .setUseRemoteAddress(BoolValue.of(true))
                .setXffNumTrustedHops(2)
                .setGenerateRequestId(BoolValue.of(false))
                .build();
        ListenerConfig l = ListenerParser.parse(listener("inbound", 15006, hcm).toBuilder()
                .setAddress(XdsFixtures.address("::1", 15006)).build());
        assertThat(l.host()).isEqualTo("::1");
        assertThat(l.http().routeConfigName()).isNull();
        assertThat(l.http().inlineRoutes().name()).isEqualTo("inbound|8080");
        assertThat(l.http().inlineRoutes().virtualHosts().getFirst().routes()).hasSize(1);
        assertThat(l.http().useRemoteAddress()).isTrue();
        assertThat(l.http().xffNumTrustedHops()).isEqualTo(2);
        assertThat(l.http().generateRequestId()).isFalse();
    }

    @Test
    void skipsUnknownOptionalHttpFilters() throws Exception {
        var hcm = hcm().clearHttpFilters()
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.fault").setIsOptional(true)
                        .setTypedConfig(Any.pack(Empty.getDefaultInstance())))
                .addHttpFilters(XdsFixtures.router()).build();
        assertThat(ListenerParser.parse(listener("outbound", 15001, hcm)).http().httpFilters())
                .containsExactly("envoy.filters.http.router");
    }

    @Test
    void rejectsUnknownNetworkFilter() {
        Listener l = XdsFixtures.outboundListener(15001).toBuilder().clearFilterChains()
                .addFilterChains(FilterChain.newBuilder().addFilters(Filter.newBuilder()
                        .setName("envoy.filters.network.foo")))
                .build();
        assertThatThrownBy(() -> ListenerParser.parse(l)).isInstanceOf(ResourceRejectedException.class)
                .hasMessage("Listener outbound: filter_chains[0].filters[0]: unsupported network filter "
                        + "envoy.filters.network.foo");
    }

    @Test
    void rejectsTcpProxyWithoutStatPrefix() { // Envoy requires it too; supported tcp_proxy: TcpProxyParserTest
        Listener l = XdsFixtures.outboundListener(15001).toBuilder().clearFilterChains()
                .addFilterChains(FilterChain.newBuilder().addFilters(Filter.newBuilder()
                        .setName("envoy.filters.network.tcp_proxy").setTypedConfig(Any.pack(
                                io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy.newBuilder()
                                        .setCluster("x").build()))))
                .build();
        assertThatThrownBy(() -> ListenerParser.parse(l))
                .hasMessage("Listener outbound: filter_chains[0].filters[0].typed_config.stat_prefix: missing stat_prefix");
    }

    @Test
    void rejectsRequiredUnknownHttpFilter() {
        var hcm = hcm().clearHttpFilters()
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.lua")
                        .setTypedConfig(Any.pack(Empty.getDefaultInstance())))
                .addHttpFilters(XdsFixtures.router()).build();
        assertThatThrownBy(() -> ListenerParser.parse(listener("outbound", 15001, hcm)))
                .hasMessage("Listener outbound: filter_chains[0].filters[0].typed_config.http_filters[0]: "
                        + "unsupported http filter envoy.filters.http.lua");
    }

    @Test
    void parsesUpgradeConfigsCaseInsensitivelyAndDropsDisabledOnes() throws Exception {
        var hcm = hcm()
                .addUpgradeConfigs(upgrade("WebSocket"))
                .addUpgradeConfigs(upgrade("spdy/3").setEnabled(BoolValue.of(false)))
                .build();
        var http = ListenerParser.parse(listener("outbound", 15001, hcm)).http();
        assertThat(http.upgradeTypes()).containsExactly("websocket");
        assertThat(http.allowsUpgrade("websocket")).isTrue();
        assertThat(http.allowsUpgrade("WEBSOCKET")).isTrue();
        assertThat(http.allowsUpgrade("spdy/3")).isFalse();
        assertThat(ListenerParser.parse(XdsFixtures.outboundListener(15001)).http().allowsUpgrade("websocket"))
                .as("no upgrade_configs: no upgrades, as Envoy").isFalse();
    }

    @Test
    void rejectsUpgradesItCannotHonour() {
        assertThatThrownBy(() -> ListenerParser.parse(listener("outbound", 15001,
                hcm().addUpgradeConfigs(upgrade("CONNECT")).build())))
                .hasMessage("Listener outbound: filter_chains[0].filters[0].typed_config.upgrade_configs[0]"
                        + ".upgrade_type: CONNECT tunnelling is not supported");
        assertThatThrownBy(() -> ListenerParser.parse(listener("outbound", 15001,
                hcm().addUpgradeConfigs(upgrade("h2c")).build())))
                .hasMessageContaining("upgrade_configs[0].upgrade_type: h2c upgrades are not relayed");
        assertThatThrownBy(() -> ListenerParser.parse(listener("outbound", 15001,
                hcm().addUpgradeConfigs(upgrade("websocket").addFilters(XdsFixtures.router())).build())))
                .hasMessageContaining("upgrade_configs[0].filters: custom upgrade filter chains are not supported");
        assertThatThrownBy(() -> ListenerParser.parse(listener("outbound", 15001,
                hcm().addUpgradeConfigs(upgrade("websocket")).addUpgradeConfigs(upgrade("websocket")).build())))
                .hasMessageContaining("upgrade_configs[1].upgrade_type: duplicate upgrade type websocket");
        assertThatThrownBy(() -> ListenerParser.parse(listener("outbound", 15001,
                hcm().addUpgradeConfigs(upgrade("web socket")).build())))
                .hasMessageContaining("upgrade_configs[0].upgrade_type: not an HTTP token: 'web socket'");
    }

    @Test
    void parsesPathNormalizationAndRejectsEscapedSlashActionsItCannotHonour() throws Exception {
        assertThat(ListenerParser.parse(XdsFixtures.outboundListener(15001)).http().pathNormalization())
                .as("Envoy's defaults").isEqualTo(dev.weft.dataplane.config.PathNormalization.NONE);
        var action = io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                .PathWithEscapedSlashesAction.class;
        var istio = hcm().setNormalizePath(BoolValue.of(true)).setMergeSlashes(true)
                .setPathWithEscapedSlashesAction(Enum.valueOf(action, "KEEP_UNCHANGED")).build();
        assertThat(ListenerParser.parse(listener("outbound", 15001, istio)).http().pathNormalization())
                .isEqualTo(new dev.weft.dataplane.config.PathNormalization(true, true, false));
        var unescape = hcm().setNormalizePath(BoolValue.of(true))
                .setPathWithEscapedSlashesAction(Enum.valueOf(action, "UNESCAPE_AND_FORWARD")).build();
        assertThat(ListenerParser.parse(listener("outbound", 15001, unescape)).http().pathNormalization())
                .isEqualTo(new dev.weft.dataplane.config.PathNormalization(true, false, true));
        for (String unsupported : new String[] {"REJECT_REQUEST", "UNESCAPE_AND_REDIRECT"}) {
            var hcm = hcm().setPathWithEscapedSlashesAction(Enum.valueOf(action, unsupported)).build();
            assertThatThrownBy(() -> ListenerParser.parse(listener("outbound", 15001, hcm)))
                    .isInstanceOf(ResourceRejectedException.class)
                    .hasMessage("Listener outbound: filter_chains[0].filters[0].typed_config"
                            + ".path_with_escaped_slashes_action: " + unsupported
                            + " is not supported (KEEP_UNCHANGED or UNESCAPE_AND_FORWARD)");
        }
    }

    private static io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
            .UpgradeConfig.Builder upgrade(String type) {
        return io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                .UpgradeConfig.newBuilder().setUpgradeType(type);
    }

    /** What the control plane emits for a port without a declared protocol (as Istio does). */
    private static Listener.Builder detecting() {
        var tcp = io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy.newBuilder()
                .setStatPrefix("legacy").setCluster("outbound|2525||legacy").build();
        Listener http = listener("upstream_16004", 16004, hcm().build());
        return http.toBuilder()
                .addListenerFilters(io.envoyproxy.envoy.config.listener.v3.ListenerFilter.newBuilder()
                        .setName("envoy.filters.listener.http_inspector").setTypedConfig(Any.pack(
                                io.envoyproxy.envoy.extensions.filters.listener.http_inspector.v3.HttpInspector
                                        .getDefaultInstance())))
                .setListenerFiltersTimeout(com.google.protobuf.util.Durations.fromMillis(500))
                .setContinueOnListenerFiltersTimeout(true)
                .setFilterChains(0, http.getFilterChains(0).toBuilder().setFilterChainMatch(
                        io.envoyproxy.envoy.config.listener.v3.FilterChainMatch.newBuilder()
                                .addApplicationProtocols("http/1.1").addApplicationProtocols("h2c")))
                .addFilterChains(FilterChain.newBuilder().addFilters(Filter.newBuilder()
                        .setName("envoy.filters.network.tcp_proxy").setTypedConfig(Any.pack(tcp))));
    }

    @Test
    void parsesProtocolDetectionListeners() throws Exception {
        ListenerConfig l = ListenerParser.parse(detecting().build());
        assertThat(l.isTcp()).isFalse();
        assertThat(l.http().routeConfigName()).isEqualTo("outbound");
        assertThat(l.tcp().clusters().getFirst().name()).isEqualTo("outbound|2525||legacy");
        assertThat(l.detection().timeout()).isEqualTo(java.time.Duration.ofMillis(500));
        assertThat(l.detection().continueOnTimeout()).isTrue();
        assertThat(l.detection().httpProtocols()).containsExactlyInAnyOrder("http/1.1", "h2c");
        assertThat(ListenerParser.parse(detecting().clearListenerFiltersTimeout().build()).detection().timeout())
                .as("Envoy's default").isEqualTo(java.time.Duration.ofSeconds(15));
    }

    @Test
    void rejectsDetectionListenersItCannotServe() {
        var h2 = detecting();
        h2.setFilterChains(0, h2.getFilterChains(0).toBuilder().setFilterChainMatch(h2.getFilterChains(0)
                .getFilterChainMatch().toBuilder().addApplicationProtocols("h2")));
        assertThatThrownBy(() -> ListenerParser.parse(h2.build()))
                .hasMessageContaining("filter_chains[0].filter_chain_match.application_protocols[2]: 'h2' is not"
                        + " detected in plaintext");
        var oneChain = detecting().removeFilterChains(1);
        assertThatThrownBy(() -> ListenerParser.parse(oneChain.build()))
                .hasMessageContaining("filter_chains: a listener with envoy.filters.listener.http_inspector needs two"
                        + " filter chains");
        var httpBoth = detecting();
        httpBoth.setFilterChains(1, httpBoth.getFilterChains(1).toBuilder().setFilters(0,
                httpBoth.getFilterChains(0).getFilters(0)));
        assertThatThrownBy(() -> ListenerParser.parse(httpBoth.build()))
                .hasMessageContaining("filter_chains[1].filters[0]: the chain without a match must run"
                        + " envoy.filters.network.tcp_proxy");
        var withTls = detecting().addListenerFilters(io.envoyproxy.envoy.config.listener.v3.ListenerFilter
                .newBuilder().setName("envoy.filters.listener.tls_inspector"));
        assertThatThrownBy(() -> ListenerParser.parse(withTls.build()))
                .hasMessageContaining("listener_filters: envoy.filters.listener.http_inspector is supported only on"
                        + " its own");
    }

    @Test
    void rejectsMissingRouter() {
        var hcm = hcm().clearHttpFilters().build();
        assertThatThrownBy(() -> ListenerParser.parse(listener("outbound", 15001, hcm)))
                .hasMessageContaining("http_filters: the envoy.filters.http.router filter is required");
    }

    @Test
    void rejectsHttp2Codec() {
        var hcm = hcm().setCodecType(io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3
                .HttpConnectionManager.CodecType.HTTP2).build();
        assertThatThrownBy(() -> ListenerParser.parse(listener("outbound", 15001, hcm)))
                .hasMessage("Listener outbound: filter_chains[0].filters[0].typed_config.codec_type: codec HTTP2 is "
                        + "not supported yet (HTTP/1.1 only)");
    }

    @Test
    void rejectsNonAdsRds() {
        var hcm = hcm().setRds(Rds.newBuilder().setRouteConfigName("outbound")
                .setConfigSource(ConfigSource.newBuilder().setPath("/etc/routes.yaml"))).build();
        assertThatThrownBy(() -> ListenerParser.parse(listener("outbound", 15001, hcm)))
                .hasMessageContaining("typed_config.rds.config_source: only ads config sources are supported");
    }

    @Test
    void rejectsInvalidSocketAddresses() {
        Listener base = XdsFixtures.outboundListener(15001);
        assertThatThrownBy(() -> ListenerParser.parse(base.toBuilder()
                .setAddress(XdsFixtures.address("localhost", 15001)).build()))
                .hasMessage("Listener outbound: address.socket_address.address: not an IP address: localhost");
        assertThatThrownBy(() -> ListenerParser.parse(base.toBuilder()
                .setAddress(XdsFixtures.address("127.0.0.1", 0)).build()))
                .hasMessage("Listener outbound: address.socket_address.port_value: invalid port 0");
        assertThatThrownBy(() -> ListenerParser.parse(base.toBuilder().clearAddress().build()))
                .hasMessage("Listener outbound: address: a socket_address is required");
    }

    @Test
    void rejectsMissingNameAndExtraFilterChains() {
        Listener base = XdsFixtures.outboundListener(15001);
        assertThatThrownBy(() -> ListenerParser.parse(base.toBuilder().clearName().build()))
                .hasMessage("Listener <unnamed>: name: missing listener name");
        assertThatThrownBy(() -> ListenerParser.parse(base.toBuilder()
                .addFilterChains(base.getFilterChains(0)).build()))
                .hasMessageStartingWith("Listener outbound: filter_chains: two filter chains are supported only as a"
                        + " mesh TLS / plaintext pair");
    }
}
