package dev.weft.controlplane.generator;

import com.google.protobuf.Any;
import dev.weft.controlplane.registry.MeshService;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import java.util.Locale;

/**
 * Ports whose traffic is an opaque byte stream get Envoy's {@code envoy.filters.network.tcp_proxy} instead of an HTTP
 * connection manager: the {@code --upstream} listener of a TCP service port and the inbound listener of a proxy whose
 * app speaks TCP ({@code --app-protocol tcp}).
 *
 * <p>A port counts as TCP when its protocol is TCP <em>and</em> it says so by name ({@code tcp} or {@code tcp-*},
 * which is also how proxy-registered services name their ports). Unnamed ports, which Istio would sniff, stay HTTP
 * until protocol sniffing exists, so existing HTTP meshes with unnamed ports keep working.
 */
final class TcpProxyListeners {
    static final String FILTER = "envoy.filters.network.tcp_proxy";

    private TcpProxyListeners() {}

    static boolean isTcp(MeshService.Port port) {
        if (port == null || !"TCP".equalsIgnoreCase(port.protocol())) {
            return false;
        }
        String name = port.name() == null ? "" : port.name().toLowerCase(Locale.ROOT);
        return name.equals("tcp") || name.startsWith("tcp-");
    }

    /** Whether a proxy's own app speaks opaque TCP ({@code --app-protocol tcp}). */
    static boolean appSpeaksTcp(String appProtocol) {
        return "tcp".equalsIgnoreCase(appProtocol);
    }

    /** A tcp_proxy relaying every connection to {@code cluster}; idle_timeout left at Envoy's default (1 h). */
    static Filter toCluster(String statPrefix, String cluster) {
        return Filter.newBuilder()
                .setName(FILTER)
                .setTypedConfig(Any.pack(TcpProxy.newBuilder().setStatPrefix(statPrefix).setCluster(cluster).build()))
                .build();
    }
}
