package dev.weft.dataplane.xds;

import com.google.protobuf.Any;
import dev.weft.dataplane.config.HttpConnectionManagerConfig;
import dev.weft.dataplane.config.ListenerConfig;
import dev.weft.dataplane.config.RouteTable;
import dev.weft.dataplane.tls.DownstreamTls;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.util.ArrayList;
import java.util.List;

/** Listener (LDS) → {@link ListenerConfig}: one filter chain with an HTTP connection manager, as Weft emits. */
public final class ListenerParser {
    public static final String HCM_FILTER = "envoy.filters.network.http_connection_manager";
    public static final String ROUTER_FILTER = "envoy.filters.http.router";
    public static final String TLS_INSPECTOR = "envoy.filters.listener.tls_inspector";
    public static final String HTTP_INSPECTOR = "envoy.filters.listener.http_inspector";
    static final String HTTP_INSPECTOR_TYPE = TypedAny.url("envoy.extensions.filters.listener.http_inspector.v3.HttpInspector");
    /** What Envoy's http_inspector reports, the application protocols a detecting listener's HTTP chain may match. */
    static final java.util.Set<String> SNIFFED_PROTOCOLS = java.util.Set.of("http/1.0", "http/1.1", "h2c");
    /** Envoy's {@code listener_filters_timeout} default. */
    static final java.time.Duration DEFAULT_LISTENER_FILTERS_TIMEOUT = java.time.Duration.ofSeconds(15);
    static final String HCM_TYPE = TypedAny.url("envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager");
    static final String ROUTER_TYPE = TypedAny.url("envoy.extensions.filters.http.router.v3.Router");

    private ListenerParser() {}

    public static ListenerConfig parse(Listener listener) throws ResourceRejectedException {
        String name = listener.getName();
        Rejector reject = new Rejector("Listener", name);
        if (name.isEmpty()) {
            throw reject.at("name", "missing listener name");
        }
        if (!listener.getAddress().hasSocketAddress()) {
            throw reject.at("address", "a socket_address is required");
        }
        SocketAddress socket = listener.getAddress().getSocketAddress();
        String host = SocketAddresses.ipLiteral(socket, reject, "address.socket_address");
        int port = SocketAddresses.port(socket, reject, "address.socket_address", false);
        if (listener.hasDefaultFilterChain()) {
            throw reject.at("default_filter_chain", "not supported");
        }
        boolean httpInspector = false;
        for (int i = 0; i < listener.getListenerFiltersCount(); i++) {
            var f = listener.getListenerFilters(i);
            if (HTTP_INSPECTOR.equals(f.getName()) || f.hasTypedConfig()
                    && HTTP_INSPECTOR_TYPE.equals(f.getTypedConfig().getTypeUrl())) {
                httpInspector = true;
            } else if (!TLS_INSPECTOR.equals(f.getName())) {
                throw reject.at("listener_filters[" + i + "]", "unsupported listener filter " + f.getName());
            }
        }
        if (httpInspector) {
            return parseDetecting(listener, host, port, reject);
        }
        DownstreamTls tls = null;
        FilterChain chain;
        if (listener.getFilterChainsCount() == 1) {
            chain = listener.getFilterChains(0);
            if (chain.hasFilterChainMatch() && !chain.getFilterChainMatch().equals(FilterChainMatch.getDefaultInstance())) {
                throw reject.at("filter_chains[0].filter_chain_match", "filter chain matching is not supported");
            }
            if (chain.hasTransportSocket() && !TransportSocketParser.isRawBuffer(chain.getTransportSocket())) {
                tls = TransportSocketParser.downstream(chain.getTransportSocket(), false, reject,
                        "filter_chains[0].transport_socket"); // mTLS only: STRICT
            }
        } else if (listener.getFilterChainsCount() == 2) {
            // PERMISSIVE, as Istio emits it: the TLS inspector picks the chain by whether a ClientHello arrived
            int tlsIndex = transportProtocol(listener.getFilterChains(0)).equals("tls") ? 0 : 1;
            FilterChain tlsChain = listener.getFilterChains(tlsIndex);
            FilterChain rawChain = listener.getFilterChains(1 - tlsIndex);
            if (!transportProtocol(tlsChain).equals("tls") || !transportProtocol(rawChain).equals("raw_buffer")
                    || !tlsChain.hasTransportSocket()
                    || (rawChain.hasTransportSocket() && !TransportSocketParser.isRawBuffer(rawChain.getTransportSocket()))) {
                throw reject.at("filter_chains", "two filter chains are supported only as a mesh TLS / plaintext pair"
                        + " matched on transport_protocol \"tls\" and \"raw_buffer\"");
            }
            if (!tlsChain.getFiltersList().equals(rawChain.getFiltersList())) {
                throw reject.at("filter_chains[" + (1 - tlsIndex) + "].filters",
                        "the plaintext and TLS chains must run the same filters");
            }
            if (listener.getListenerFiltersCount() == 0) {
                throw reject.at("listener_filters", TLS_INSPECTOR + " is required to choose between the chains");
            }
            tls = TransportSocketParser.downstream(tlsChain.getTransportSocket(), true, reject,
                    "filter_chains[" + tlsIndex + "].transport_socket");
            chain = tlsChain;
        } else {
            throw reject.at("filter_chains", "one filter chain (or a TLS / plaintext pair) is supported, got "
                    + listener.getFilterChainsCount());
        }
        // network RBAC filters (AuthorizationPolicy on a TCP app) may precede a tcp_proxy, and nothing else
        List<dev.weft.dataplane.authz.RbacFilter> networkRbac = new ArrayList<>();
        int last = chain.getFiltersCount() - 1;
        for (int i = 0; i < last; i++) {
            Filter f = chain.getFilters(i);
            if (!f.hasTypedConfig() || !RbacFilterParser.NETWORK_TYPE.equals(f.getTypedConfig().getTypeUrl())) {
                throw reject.at("filter_chains[0].filters[" + i + "]", "only " + RbacFilterParser.NETWORK_FILTER_NAME
                        + " filters may precede the last network filter (the HTTP connection manager or tcp_proxy), got "
                        + f.getName());
            }
            networkRbac.add(RbacFilterParser.parseNetwork(f.getTypedConfig(), reject,
                    "filter_chains[0].filters[" + i + "].typed_config"));
        }
        if (last < 0) {
            throw reject.at("filter_chains[0].filters", "a network filter (the HTTP connection manager or tcp_proxy)"
                    + " is required");
        }
        Filter filter = chain.getFilters(last);
        String path = "filter_chains[0].filters[" + last + "]";
        if (isTcpProxy(filter)) {
            return ListenerConfig.tcp(name, host, port, TcpProxyParser.parse(filter.getTypedConfig(), reject,
                    path + ".typed_config").withRbacFilters(networkRbac), tls)
                    .withDisabledMetrics(TelemetryParser.disabledMetrics(listener, reject));
        }
        if (!networkRbac.isEmpty()) {
            throw reject.at(path, RbacFilterParser.NETWORK_FILTER_NAME + " is supported only before a tcp_proxy;"
                    + " HTTP listeners take envoy.filters.http.rbac");
        }
        return new ListenerConfig(name, host, port, parseHcmFilter(filter, TelemetryParser.accessLogManaged(listener),
                reject, path), tls).withDisabledMetrics(TelemetryParser.disabledMetrics(listener, reject));
    }

    private static void checkPlainSingleFilter(FilterChain chain, Rejector reject, String path)
            throws ResourceRejectedException {
        if (chain.hasTransportSocket() && !TransportSocketParser.isRawBuffer(chain.getTransportSocket())) {
            throw reject.at(path + ".transport_socket", "TLS on a detecting listener is not supported");
        }
        if (chain.getFiltersCount() != 1) {
            throw reject.at(path + ".filters", "exactly one network filter is supported, got " + chain.getFiltersCount());
        }
    }

    private static boolean isTcpProxy(Filter filter) {
        return filter.hasTypedConfig() && TcpProxyParser.TYPE.equals(filter.getTypedConfig().getTypeUrl());
    }

    private static HttpConnectionManagerConfig parseHcmFilter(Filter filter, boolean accessLogManaged, Rejector reject,
                                                              String path) throws ResourceRejectedException {
        if (!filter.hasTypedConfig() || !HCM_TYPE.equals(filter.getTypedConfig().getTypeUrl())) {
            String what = filter.hasTypedConfig() ? filter.getName() + " (" + filter.getTypedConfig().getTypeUrl() + ")"
                    : filter.getName();
            throw reject.at(path, "unsupported network filter " + what);
        }
        HttpConnectionManager hcm = TypedAny.unpack(filter.getTypedConfig(), HCM_TYPE, HttpConnectionManager.parser(),
                reject, path + ".typed_config");
        // an inline route configuration's routes: their typed_per_filter_config maps are read only when on the wire
        boolean perFilterConfig = WireFields.contains(filter.getTypedConfig().getValue(),
                HttpConnectionManager.ROUTE_CONFIG_FIELD_NUMBER,
                io.envoyproxy.envoy.config.route.v3.RouteConfiguration.VIRTUAL_HOSTS_FIELD_NUMBER,
                io.envoyproxy.envoy.config.route.v3.VirtualHost.ROUTES_FIELD_NUMBER,
                io.envoyproxy.envoy.config.route.v3.Route.TYPED_PER_FILTER_CONFIG_FIELD_NUMBER);
        return parseHcm(hcm, perFilterConfig, accessLogManaged, reject, path + ".typed_config");
    }

    /**
     * A port whose protocol is detected, as Istio emits it: {@code listener_filters: [http_inspector]}, a chain matched
     * by {@code application_protocols} (a subset of http/1.0, http/1.1, h2c) running the HTTP connection manager, and a
     * chain without a match running tcp_proxy; {@code listener_filters_timeout} (Envoy's default 15 s, 0 = none) and
     * {@code continue_on_listener_filters_timeout} (false: close on timeout). Plaintext only.
     */
    private static ListenerConfig parseDetecting(Listener listener, String host, int port, Rejector reject)
            throws ResourceRejectedException {
        if (listener.getListenerFiltersCount() != 1) {
            throw reject.at("listener_filters", HTTP_INSPECTOR + " is supported only on its own (no TLS inspection"
                    + " of detected ports)");
        }
        if (listener.getFilterChainsCount() != 2) {
            throw reject.at("filter_chains", "a listener with " + HTTP_INSPECTOR + " needs two filter chains (HTTP"
                    + " matched by application_protocols, and TCP), got " + listener.getFilterChainsCount());
        }
        int httpIndex = listener.getFilterChains(0).getFilterChainMatch().getApplicationProtocolsCount() > 0 ? 0 : 1;
        FilterChain httpChain = listener.getFilterChains(httpIndex);
        FilterChain tcpChain = listener.getFilterChains(1 - httpIndex);
        String httpPath = "filter_chains[" + httpIndex + "]";
        String tcpPath = "filter_chains[" + (1 - httpIndex) + "]";
        FilterChainMatch httpMatch = httpChain.getFilterChainMatch();
        if (httpMatch.getApplicationProtocolsCount() == 0
                || !httpMatch.toBuilder().clearApplicationProtocols().build().equals(FilterChainMatch.getDefaultInstance())) {
            throw reject.at(httpPath + ".filter_chain_match", "only application_protocols is supported here");
        }
        java.util.Set<String> protocols = new java.util.TreeSet<>();
        for (int i = 0; i < httpMatch.getApplicationProtocolsCount(); i++) {
            String p = httpMatch.getApplicationProtocols(i);
            if (!SNIFFED_PROTOCOLS.contains(p)) {
                throw reject.at(httpPath + ".filter_chain_match.application_protocols[" + i + "]", "'" + p
                        + "' is not detected in plaintext (supported: " + new java.util.TreeSet<>(SNIFFED_PROTOCOLS) + ")");
            }
            protocols.add(p);
        }
        if (!tcpChain.getFilterChainMatch().equals(FilterChainMatch.getDefaultInstance())) {
            throw reject.at(tcpPath + ".filter_chain_match", "the TCP chain of a detecting listener matches everything"
                    + " else (no match criteria)");
        }
        checkPlainSingleFilter(httpChain, reject, httpPath);
        checkPlainSingleFilter(tcpChain, reject, tcpPath);
        HttpConnectionManagerConfig http = parseHcmFilter(httpChain.getFilters(0),
                TelemetryParser.accessLogManaged(listener), reject, httpPath + ".filters[0]");
        Filter tcpFilter = tcpChain.getFilters(0);
        if (!isTcpProxy(tcpFilter)) {
            throw reject.at(tcpPath + ".filters[0]", "the chain without a match must run "
                    + "envoy.filters.network.tcp_proxy");
        }
        var tcp = TcpProxyParser.parse(tcpFilter.getTypedConfig(), reject, tcpPath + ".filters[0].typed_config");
        java.time.Duration timeout = listener.hasListenerFiltersTimeout()
                ? java.time.Duration.ofSeconds(listener.getListenerFiltersTimeout().getSeconds(),
                        listener.getListenerFiltersTimeout().getNanos())
                : DEFAULT_LISTENER_FILTERS_TIMEOUT;
        if (timeout.isNegative()) {
            throw reject.at("listener_filters_timeout", "must not be negative");
        }
        return ListenerConfig.detecting(listener.getName(), host, port, http, tcp,
                new dev.weft.dataplane.config.ProtocolDetection(timeout,
                        listener.getContinueOnListenerFiltersTimeout(), protocols))
                .withDisabledMetrics(TelemetryParser.disabledMetrics(listener, reject));
    }

    /** The chain's transport_protocol match, with any other match criterion rejected. */
    private static String transportProtocol(FilterChain chain) {
        FilterChainMatch m = chain.getFilterChainMatch();
        return m.toBuilder().clearTransportProtocol().build().equals(FilterChainMatch.getDefaultInstance())
                ? m.getTransportProtocol() : "";
    }

    private static HttpConnectionManagerConfig parseHcm(HttpConnectionManager hcm, boolean perFilterConfig,
                                                        boolean accessLogManaged, Rejector reject, String path)
            throws ResourceRejectedException {
        String routeConfigName = null;
        RouteTable inline = null;
        switch (hcm.getRouteSpecifierCase()) {
            case RDS -> {
                if (!hcm.getRds().getConfigSource().hasAds()) {
                    throw reject.at(path + ".rds.config_source", "only ads config sources are supported");
                }
                routeConfigName = hcm.getRds().getRouteConfigName();
                if (routeConfigName.isEmpty()) {
                    throw reject.at(path + ".rds.route_config_name", "missing route configuration name");
                }
            }
            case ROUTE_CONFIG -> inline = RouteConfigurationParser.parse(hcm.getRouteConfig(), reject,
                    path + ".route_config", perFilterConfig);
            default -> throw reject.at(path, "needs rds or route_config, got " + hcm.getRouteSpecifierCase());
        }
        var codec = hcm.getCodecType();
        if (codec != HttpConnectionManager.CodecType.AUTO && codec != HttpConnectionManager.CodecType.HTTP1) {
            throw reject.at(path + ".codec_type", "codec " + codec + " is not supported yet (HTTP/1.1 only)");
        }
        List<String> filters = new ArrayList<>();
        List<dev.weft.dataplane.authz.RbacFilter> rbac = new ArrayList<>();
        boolean router = false;
        dev.weft.dataplane.ratelimit.LocalRateLimitConfig localRateLimit = null;
        dev.weft.dataplane.authn.JwtAuthnConfig jwtAuthn = null;
        dev.weft.dataplane.authz.ExtAuthzConfig extAuthz = null;
        RbacFilterParser.Shadow shadow = null; // a shadow-only RBAC filter: the gate of the ext_authz after it
        for (int i = 0; i < hcm.getHttpFiltersCount(); i++) {
            HttpFilter f = hcm.getHttpFilters(i);
            RbacFilterParser.Shadow previousShadow = shadow;
            shadow = null;
            boolean isRouter = f.hasTypedConfig() ? ROUTER_TYPE.equals(f.getTypedConfig().getTypeUrl())
                    : ROUTER_FILTER.equals(f.getName());
            if (router) {
                throw reject.at(path + ".http_filters[" + i + "]", "the router must be the last HTTP filter");
            }
            if (isRouter) {
                router = true;
                filters.add(ROUTER_FILTER);
            } else if (f.hasTypedConfig() && FaultPolicyParser.TYPE.equals(f.getTypedConfig().getTypeUrl())) {
                FaultPolicyParser.checkListenerLevel(f.getTypedConfig(), reject,
                        path + ".http_filters[" + i + "].typed_config");
                filters.add(FaultPolicyParser.FILTER_NAME); // routes configure it (typed_per_filter_config)
            } else if (f.hasTypedConfig() && RbacFilterParser.TYPE.equals(f.getTypedConfig().getTypeUrl())
                    && (shadow = RbacFilterParser.parseShadow(f.getTypedConfig(), reject,
                            path + ".http_filters[" + i + "].typed_config")) != null) {
                // enforces nothing; the ext_authz filter right after it reads which shadow policy matched
            } else if (f.hasTypedConfig() && ExtAuthzParser.TYPE.equals(f.getTypedConfig().getTypeUrl())) {
                String at = path + ".http_filters[" + i + "]";
                if (extAuthz != null) {
                    throw reject.at(at, "only one ext_authz filter is supported");
                }
                if (!rbac.isEmpty()) {
                    // Weft runs ext_authz before all enforcing RBAC filters (Istio's CUSTOM-first order)
                    throw reject.at(at, "ext_authz must come before the envoy.filters.http.rbac filters that enforce");
                }
                extAuthz = ExtAuthzParser.parse(f.getTypedConfig(), previousShadow, reject, at + ".typed_config");
                filters.add(ExtAuthzParser.FILTER_NAME);
            } else if (f.hasTypedConfig() && RbacFilterParser.TYPE.equals(f.getTypedConfig().getTypeUrl())) {
                rbac.add(RbacFilterParser.parse(f.getTypedConfig(), reject, path + ".http_filters[" + i + "].typed_config"));
                if (!filters.contains(RbacFilterParser.FILTER_NAME)) {
                    filters.add(RbacFilterParser.FILTER_NAME);
                }
            } else if (f.hasTypedConfig() && LocalRateLimitParser.TYPE.equals(f.getTypedConfig().getTypeUrl())) {
                if (localRateLimit != null) {
                    throw reject.at(path + ".http_filters[" + i + "]", "only one local rate limit filter is supported");
                }
                localRateLimit = LocalRateLimitParser.parse(f.getTypedConfig(), false, reject,
                        path + ".http_filters[" + i + "].typed_config");
                filters.add(LocalRateLimitParser.FILTER_NAME);
            } else if (f.hasTypedConfig() && JwtAuthnParser.TYPE.equals(f.getTypedConfig().getTypeUrl())) {
                if (jwtAuthn != null) {
                    throw reject.at(path + ".http_filters[" + i + "]", "only one jwt_authn filter is supported");
                }
                if (extAuthz != null) {
                    throw reject.at(path + ".http_filters[" + i + "]", "jwt_authn must come before ext_authz");
                }
                jwtAuthn = JwtAuthnParser.parse(f.getTypedConfig(), reject, path + ".http_filters[" + i + "].typed_config");
                filters.add(JwtAuthnParser.FILTER_NAME);
            } else if (!f.getIsOptional()) {
                throw reject.at(path + ".http_filters[" + i + "]", "unsupported http filter " + f.getName());
            }
        }
        if (!router) {
            throw reject.at(path + ".http_filters", "the " + ROUTER_FILTER + " filter is required");
        }
        boolean generateRequestId = !hcm.hasGenerateRequestId() || hcm.getGenerateRequestId().getValue();
        boolean useRemoteAddress = hcm.hasUseRemoteAddress() && hcm.getUseRemoteAddress().getValue();
        return new HttpConnectionManagerConfig(hcm.getStatPrefix(), routeConfigName, inline, filters,
                generateRequestId, useRemoteAddress, hcm.getXffNumTrustedHops(), rbac, localRateLimit,
                TelemetryParser.parse(hcm, accessLogManaged, reject, path), jwtAuthn, upgradeTypes(hcm, reject, path),
                extAuthz, pathNormalization(hcm, reject, path));
    }

    /**
     * {@code normalize_path} (absent: false, Envoy's default without runtime overrides), {@code merge_slashes},
     * {@code path_with_escaped_slashes_action}: {@code KEEP_UNCHANGED} (and {@code IMPLEMENTATION_SPECIFIC_DEFAULT},
     * which is that) or {@code UNESCAPE_AND_FORWARD}; rejecting or redirecting such requests is NACKed.
     */
    private static dev.weft.dataplane.config.PathNormalization pathNormalization(HttpConnectionManager hcm,
                                                                               Rejector reject, String path)
            throws ResourceRejectedException {
        boolean unescape = switch (hcm.getPathWithEscapedSlashesAction()) {
            case IMPLEMENTATION_SPECIFIC_DEFAULT, KEEP_UNCHANGED -> false;
            case UNESCAPE_AND_FORWARD -> true;
            default -> throw reject.at(path + ".path_with_escaped_slashes_action",
                    hcm.getPathWithEscapedSlashesAction() + " is not supported (KEEP_UNCHANGED or UNESCAPE_AND_FORWARD)");
        };
        return new dev.weft.dataplane.config.PathNormalization(
                hcm.hasNormalizePath() && hcm.getNormalizePath().getValue(), hcm.getMergeSlashes(), unescape);
    }

    /**
     * {@code upgrade_configs[]}: {@code upgrade_type} (case-insensitive) and {@code enabled} (absent = true; a disabled
     * entry is dropped: Weft has no per-route override that could turn it back on). NACKed: {@code CONNECT} (CONNECT
     * tunnelling is not supported), {@code h2c} (an HTTP/2 upgrade is never relayed, Envoy strips it too), a custom
     * upgrade filter chain ({@code filters}), duplicate types.
     */
    private static java.util.Set<String> upgradeTypes(HttpConnectionManager hcm, Rejector reject, String path)
            throws ResourceRejectedException {
        java.util.Set<String> types = new java.util.LinkedHashSet<>();
        for (int i = 0; i < hcm.getUpgradeConfigsCount(); i++) {
            var u = hcm.getUpgradeConfigs(i);
            String uPath = path + ".upgrade_configs[" + i + "]";
            String type = u.getUpgradeType().trim().toLowerCase(java.util.Locale.ROOT);
            // an Upgrade protocol: a token, optionally "/" and a version token (RFC 9110 §7.8)
            if (type.isEmpty() || !type.chars().allMatch(c -> c > 32 && c < 127 && "()<>@,;:\\\"[]?={}".indexOf(c) < 0)) {
                throw reject.at(uPath + ".upgrade_type", "not an HTTP token: '" + u.getUpgradeType() + "'");
            }
            if (type.equals("connect")) {
                throw reject.at(uPath + ".upgrade_type", "CONNECT tunnelling is not supported");
            }
            if (type.equals("h2c")) {
                throw reject.at(uPath + ".upgrade_type", "h2c upgrades are not relayed (use HTTP/2 prior knowledge)");
            }
            if (u.getFiltersCount() > 0) {
                throw reject.at(uPath + ".filters", "custom upgrade filter chains are not supported");
            }
            if (!types.add(type)) {
                throw reject.at(uPath + ".upgrade_type", "duplicate upgrade type " + type);
            }
            if (u.hasEnabled() && !u.getEnabled().getValue()) {
                types.remove(type);
            }
        }
        return types;
    }
}
