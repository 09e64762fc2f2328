package dev.weft.controlplane.generator;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.Message;
import com.google.protobuf.util.Durations;
import dev.weft.controlplane.proxy.ProxyNode;
import dev.weft.controlplane.proxy.UpstreamBinding;
import dev.weft.controlplane.push.PushContext;
import dev.weft.controlplane.registry.MeshService;
import dev.weft.controlplane.xds.XdsType;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import dev.weft.config.model.PeerAuthenticationSpec.Mtls;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;

import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * LDS: the proxy's {@code outbound} HTTP-proxy listener (RDS {@code outbound}), its {@code inbound} listener
 * (inline route to the app), and one {@code upstream_<localPort>} listener per {@code --upstream}.
 */
public final class ListenerGenerator implements ResourceGenerator {
    public static final String OUTBOUND = "outbound";
    public static final String INBOUND = "inbound";
    static final String HCM_FILTER = "envoy.filters.network.http_connection_manager";
    static final String ROUTER_FILTER = "envoy.filters.http.router";
    static final String TLS_INSPECTOR = "envoy.filters.listener.tls_inspector";

    @Override
    public XdsType type() {
        return XdsType.LISTENER;
    }

    @Override
    public SortedMap<String, Message> generate(PushContext context, ProxyNode proxy) {
        SortedMap<String, Message> out = new TreeMap<>();
        if (proxy.outboundPort() > 0) {
            out.put(OUTBOUND, listener(OUTBOUND, "127.0.0.1", proxy.outboundPort(), rdsManager(OUTBOUND, OUTBOUND)));
        }
        if (proxy.inboundPort() > 0 && proxy.appPort() > 0 && !proxy.address().isEmpty()) {
            // a TCP app gets a tcp_proxy, behind network RBAC filters when AuthorizationPolicies select it
            Listener inbound = TcpProxyListeners.appSpeaksTcp(proxy.appProtocol())
                    ? listener(INBOUND, proxy.address(), proxy.inboundPort(), withNetworkAuthorization(context, proxy,
                            TcpProxyListeners.toCluster(INBOUND, ClusterNames.inbound(proxy.appPort()))))
                    : listener(INBOUND, proxy.address(), proxy.inboundPort(), withRequestAuthentication(
                            LocalRateLimitTranslator.apply(withAuthorization(inboundManager(proxy.appPort()), context,
                                    proxy), context.config().localRateLimits(), proxy.namespace(), proxy.labels()),
                            context, proxy));
            out.put(INBOUND, withPeerAuthentication(inbound, MeshTlsPolicy.inboundMode(context, proxy)));
        }
        for (UpstreamBinding up : proxy.upstreams()) {
            String name = up.listenerName();
            MeshService.Port port = upstreamPort(context, proxy, up);
            Filter tcp = TcpProxyListeners.isTcp(port) || port != null && port.detected()
                    ? TcpProxyListeners.forService(context, upstreamHost(proxy, up), port.number()) : null;
            Listener http = listener(name, "127.0.0.1", up.localPort(), rdsManager(name, name));
            out.put(name, tcp == null ? http
                    : port.detected() ? ProtocolDetection.withTcpFallback(http, tcp)
                    : listener(name, "127.0.0.1", up.localPort(), tcp));
        }
        var telemetries = context.config().telemetries(); // Telemetry API: access_log and tracing per side
        out.replaceAll((name, l) -> TelemetryTranslator.apply((Listener) l, telemetries, proxy));
        return out;
    }

    private static Listener listener(String name, String address, int port, HttpConnectionManager hcm) {
        return listener(name, address, port, Filter.newBuilder().setName(HCM_FILTER).setTypedConfig(Any.pack(hcm))
                .build());
    }

    private static Listener listener(String name, String address, int port, Filter filter) {
        return listener(name, address, port, List.of(filter));
    }

    private static Listener listener(String name, String address, int port, List<Filter> filters) {
        return Listener.newBuilder()
                .setName(name)
                .setAddress(Address.newBuilder().setSocketAddress(SocketAddress.newBuilder()
                        .setAddress(address).setPortValue(port)))
                .addFilterChains(FilterChain.newBuilder().addAllFilters(filters))
                .build();
    }

    /** AuthorizationPolicy's network RBAC filters (Istio's TCP semantics) before the tcp_proxy, DENY first. */
    private static List<Filter> withNetworkAuthorization(PushContext context, ProxyNode proxy, Filter tcpProxy) {
        List<Filter> filters = new java.util.ArrayList<>(ExtAuthzTranslator.networkFilters( // CUSTOM: fail closed
                context.config(), proxy.namespace(), proxy.labels()));
        filters.addAll(AuthorizationPolicyTranslator.networkFilters(
                context.config().authorizationPolicies(), proxy.namespace(), proxy.labels()));
        filters.add(tcpProxy);
        return filters;
    }

    private static String upstreamHost(ProxyNode proxy, UpstreamBinding up) {
        return dev.weft.config.Hosts.resolve(up.service(), proxy.namespace());
    }

    /** The service port an {@code --upstream} listener is bound to; null while the service is unknown (HTTP, 404). */
    private static MeshService.Port upstreamPort(PushContext context, ProxyNode proxy, UpstreamBinding up) {
        MeshService service = context.service(upstreamHost(proxy, up));
        if (service == null) {
            return null;
        }
        return up.port() > 0 ? service.port(up.port()) : service.defaultPort();
    }

    /**
     * The inbound listener under PeerAuthentication: STRICT serves only mTLS; PERMISSIVE adds the TLS inspector and
     * a TLS chain beside the plaintext one (as Istio), both running the same connection manager.
     */
    private static Listener withPeerAuthentication(Listener plain, Mtls.Mode mode) {
        if (mode == Mtls.Mode.DISABLE || mode == Mtls.Mode.UNSET) {
            return plain;
        }
        FilterChain chain = plain.getFilterChains(0);
        FilterChain tls = chain.toBuilder().setTransportSocket(MeshTlsPolicy.downstreamSocket()).build();
        if (mode == Mtls.Mode.STRICT) {
            return plain.toBuilder().setFilterChains(0, tls).build();
        }
        return plain.toBuilder()
                .addListenerFilters(ListenerFilter.newBuilder().setName(TLS_INSPECTOR)
                        .setTypedConfig(Any.pack(TlsInspector.getDefaultInstance())))
                .setFilterChains(0, tls.toBuilder().setFilterChainMatch(FilterChainMatch.newBuilder().setTransportProtocol("tls")))
                .addFilterChains(chain.toBuilder().setFilterChainMatch(FilterChainMatch.newBuilder().setTransportProtocol("raw_buffer")))
                .build();
    }

    /**
     * Every connection manager lets WebSocket upgrades through, as Istio's HTTP listeners do, and normalizes request
     * paths before routing and the filters see them the way Istio's {@code meshConfig.pathNormalization}
     * {@code MERGE_SLASHES} configures Envoy ({@code //x} and {@code /a/../x} route, rate-limit and authorize as
     * {@code /x}; {@code %2F} stays as sent). Istio's default (BASE) does not merge slashes; Weft does, so that a
     * doubled slash cannot slip past a route's policies.
     */
    private static HttpConnectionManager.Builder manager(String statPrefix) {
        return HttpConnectionManager.newBuilder()
                .setStatPrefix(statPrefix)
                .setGenerateRequestId(BoolValue.of(true))
                .setNormalizePath(BoolValue.of(true))
                .setMergeSlashes(true)
                .setPathWithEscapedSlashesAction(HttpConnectionManager.PathWithEscapedSlashesAction.KEEP_UNCHANGED)
                .addUpgradeConfigs(HttpConnectionManager.UpgradeConfig.newBuilder().setUpgradeType("websocket"))
                .addHttpFilters(HttpFilter.newBuilder()
                        .setName(ROUTER_FILTER)
                        .setTypedConfig(Any.pack(Router.getDefaultInstance())));
    }

    /**
     * Outbound connection managers (RDS) get the fault filter before the router, unconfigured: routes with a
     * VirtualService {@code fault} configure it per route, as Istio does.
     */
    private static HttpConnectionManager rdsManager(String statPrefix, String routeConfigName) {
        HttpConnectionManager.Builder hcm = manager(statPrefix);
        hcm.addHttpFilters(hcm.getHttpFiltersCount() - 1, HttpFilter.newBuilder()
                .setName(FaultInjectionTranslator.FILTER)
                .setTypedConfig(Any.pack(io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault
                        .getDefaultInstance())));
        return hcm
                .setRds(Rds.newBuilder().setRouteConfigName(routeConfigName).setConfigSource(ClusterGenerator.ads()))
                .build();
    }

    /** AuthorizationPolicy's RBAC filters go before the router, DENY first (Istio's order). */
    private static HttpConnectionManager withAuthorization(HttpConnectionManager hcm, PushContext context,
                                                           ProxyNode proxy) {
        var filters = ExtAuthzTranslator.withBefore( // CUSTOM (ext_authz) first, then DENY, ALLOW, AUDIT
                ExtAuthzTranslator.filters(context.config(), proxy.namespace(), proxy.labels()),
                AuthorizationPolicyTranslator.filters(context.config().authorizationPolicies(),
                        proxy.namespace(), proxy.labels()));
        if (filters.isEmpty()) {
            return hcm;
        }
        HttpConnectionManager.Builder b = hcm.toBuilder();
        int router = b.getHttpFiltersCount() - 1;
        for (int i = 0; i < filters.size(); i++) {
            b.addHttpFilters(router + i, filters.get(i));
        }
        return b.build();
    }

    /** RequestAuthentication's jwt_authn filter goes first, before the RBAC filters that read its principal. */
    private static HttpConnectionManager withRequestAuthentication(HttpConnectionManager hcm, PushContext context,
                                                                   ProxyNode proxy) {
        HttpFilter jwt = RequestAuthenticationTranslator.filter(context.config().requestAuthentications(),
                proxy.namespace(), proxy.labels(), proxy.service());
        return jwt == null ? hcm : hcm.toBuilder().addHttpFilters(0, jwt).build();
    }

    /** Peers reach the app through the inbound listener; the request already carries its deadline, so no timeout. */
    private static HttpConnectionManager inboundManager(int appPort) {
        String cluster = ClusterNames.inbound(appPort);
        RouteConfiguration routes = RouteConfiguration.newBuilder()
                .setName("inbound|" + appPort)
                .addVirtualHosts(VirtualHost.newBuilder()
                        .setName("inbound|http|" + appPort)
                        .addDomains("*")
                        .addRoutes(Route.newBuilder()
                                .setName("default")
                                .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                                .setRoute(RouteAction.newBuilder()
                                        .setCluster(cluster)
                                        .setTimeout(Durations.ZERO))))
                .build();
        return manager(INBOUND).setRouteConfig(routes).build();
    }
}
