package dev.weft.controlplane.generator;

import com.google.protobuf.Any;
import com.google.protobuf.util.Durations;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.extensions.filters.listener.http_inspector.v3.HttpInspector;
import java.util.List;

/**
 * A port that declares no protocol is detected per connection, the way Istio configures Envoy for it: the listener
 * filter {@code envoy.filters.listener.http_inspector} looks at the first bytes, a chain matched by
 * {@code application_protocols: [http/1.0, http/1.1, h2c]} runs the HTTP connection manager, and a chain without a
 * match runs tcp_proxy to the same service. A client that sends nothing within {@code listener_filters_timeout} — a
 * server-first protocol waiting for a banner — goes to the TCP chain ({@code continue_on_listener_filters_timeout}).
 */
final class ProtocolDetection {
    static final String HTTP_INSPECTOR = "envoy.filters.listener.http_inspector";
    /**
     * How long a server-first protocol waits for its banner on a detected port. Istio's protocolDetectionTimeout once
     * defaulted to 100 ms; 500 ms leaves room for slow clients on a loaded machine (one misread as TCP still reaches
     * the service, without HTTP routing).
     */
    static final com.google.protobuf.Duration TIMEOUT = Durations.fromMillis(500);
    private static final List<String> HTTP_PROTOCOLS = List.of("http/1.0", "http/1.1", "h2c");

    private ProtocolDetection() {}

    /** {@code http} (one HTTP chain) with the detection listener filter and a TCP chain running {@code tcp}. */
    static Listener withTcpFallback(Listener http, Filter tcp) {
        FilterChain httpChain = http.getFilterChains(0).toBuilder()
                .setFilterChainMatch(FilterChainMatch.newBuilder().addAllApplicationProtocols(HTTP_PROTOCOLS))
                .build();
        return http.toBuilder()
                .addListenerFilters(ListenerFilter.newBuilder().setName(HTTP_INSPECTOR)
                        .setTypedConfig(Any.pack(HttpInspector.getDefaultInstance())))
                .setListenerFiltersTimeout(TIMEOUT)
                .setContinueOnListenerFiltersTimeout(true)
                .setFilterChains(0, httpChain)
                .addFilterChains(FilterChain.newBuilder().addFilters(tcp))
                .build();
    }
}
