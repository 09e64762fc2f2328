package dev.weft.controlplane.generator;

import com.google.protobuf.Any;
import dev.weft.config.Hosts;
import dev.weft.config.model.TcpRoute;
import dev.weft.config.model.VirtualService;
import dev.weft.controlplane.push.PushContext;
import dev.weft.controlplane.registry.MeshService;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;

/**
 * Ports whose traffic is an opaque byte stream get Envoy's {@code envoy.filters.network.tcp_proxy} instead of an HTTP
 * connection manager: the {@code --upstream} listener of a TCP service port and the inbound listener of a proxy whose
 * app speaks TCP ({@code --app-protocol tcp}).
 *
 * <p>A port counts as TCP when its protocol is TCP, explicitly or by name ({@code tcp} or {@code tcp-*}, which is also
 * how proxy-registered services name their ports). A port that declares no protocol is detected per connection: its
 * listener gets both chains (see {@code ListenerGenerator}).
 */
final class TcpProxyListeners {
    static final String FILTER = "envoy.filters.network.tcp_proxy";

    private TcpProxyListeners() {}

    static boolean isTcp(MeshService.Port port) {
        return port != null && "TCP".equalsIgnoreCase(port.protocol());
    }

    /** Whether a proxy's own app speaks opaque TCP ({@code --app-protocol tcp}). */
    static boolean appSpeaksTcp(String appProtocol) {
        return "tcp".equalsIgnoreCase(appProtocol);
    }

    /**
     * The tcp_proxy of an {@code --upstream} listener bound to TCP port {@code port} of {@code host}: the first
     * VirtualService {@code tcp} route bound to the host whose match is empty or names the port decides the
     * (weighted) clusters, as Istio; without one, the service's own cluster.
     */
    static Filter forService(PushContext context, String host, int port) {
        String own = ClusterNames.outbound(port, null, host);
        for (VirtualService vs : context.virtualServices(host)) {
            for (TcpRoute route : vs.spec().tcp()) {
                if (!route.match().isEmpty() && route.match().stream()
                        .noneMatch(m -> m.port() == null || m.port() == port)) {
                    continue;
                }
                TcpProxy.WeightedCluster.Builder weighted = TcpProxy.WeightedCluster.newBuilder();
                for (TcpRoute.RouteDestination d : route.route()) {
                    String destHost = Hosts.resolve(d.destination().host(), vs.meta().namespace());
                    Integer explicit = d.destination().portNumber();
                    int destPort = explicit != null && explicit > 0 ? explicit : destinationPort(context, destHost,
                            host, port);
                    int weight = route.route().size() == 1 ? 1 : d.weight() == null ? 0 : d.weight();
                    if (weight > 0) { // Istio drops zero-weight destinations
                        weighted.addClusters(TcpProxy.WeightedCluster.ClusterWeight.newBuilder()
                                .setName(ClusterNames.outbound(destPort, d.destination().subset(), destHost))
                                .setWeight(weight));
                    }
                }
                TcpProxy.Builder tcp = TcpProxy.newBuilder().setStatPrefix(own);
                if (weighted.getClustersCount() == 1) {
                    tcp.setCluster(weighted.getClusters(0).getName());
                } else {
                    tcp.setWeightedClusters(weighted);
                }
                return Filter.newBuilder().setName(FILTER).setTypedConfig(Any.pack(tcp.build())).build();
            }
        }
        return toCluster(own, own);
    }

    private static int destinationPort(PushContext context, String destHost, String host, int port) {
        if (destHost.equals(host)) {
            return port;
        }
        MeshService target = context.service(destHost);
        return target != null && target.defaultPort() != null ? target.defaultPort().number() : port;
    }

    /** A tcp_proxy relaying every connection to {@code cluster}; idle_timeout left at Envoy's default (1 h). */
    static Filter toCluster(String statPrefix, String cluster) {
        return Filter.newBuilder()
                .setName(FILTER)
                .setTypedConfig(Any.pack(TcpProxy.newBuilder().setStatPrefix(statPrefix).setCluster(cluster).build()))
                .build();
    }
}
