package dev.weft.proxy;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import java.io.IOException;
import java.util.List;

/** Envoy's reference xDS server (java-control-plane) with a settable snapshot: an xDS server nobody here wrote. */
final class XdsTestServer implements AutoCloseable {
    static final String GROUP = "all";
    static final ConfigSource ADS = ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance())
            .build();

    final SimpleCache<String> cache = new SimpleCache<>(node -> GROUP);
    private Server server;

    XdsTestServer start(int port) throws IOException {
        V3DiscoveryServer discovery = new V3DiscoveryServer(cache);
        server = Grpc.newServerBuilderForPort(port, InsecureServerCredentials.create())
                .addService(discovery.getAggregatedDiscoveryServiceImpl())
                .build()
                .start();
        return this;
    }

    int port() {
        return server.getPort();
    }

    void set(Snapshot snapshot) {
        cache.setSnapshot(GROUP, snapshot);
    }

    @Override
    public void close() {
        if (server != null) {
            server.shutdownNow();
        }
    }

    // ---- resources shaped as docs/xds-conventions.md says Weft's control plane emits them

    static Address address(String host, int port) {
        return Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress(host).setPortValue(port))
                .build();
    }

    static HttpFilter router() {
        return HttpFilter.newBuilder().setName("envoy.filters.http.router")
                .setTypedConfig(Any.pack(Router.getDefaultInstance())).build();
    }

    static Listener listener(String name, int port, HttpConnectionManager hcm) {
        return Listener.newBuilder().setName(name).setAddress(address("127.0.0.1", port))
                .addFilterChains(FilterChain.newBuilder().addFilters(Filter.newBuilder()
                        .setName("envoy.filters.network.http_connection_manager").setTypedConfig(Any.pack(hcm))))
                .build();
    }

    static Listener rdsListener(String name, int port, String routeName) {
        return listener(name, port, HttpConnectionManager.newBuilder().setStatPrefix(name)
                .setRds(Rds.newBuilder().setRouteConfigName(routeName).setConfigSource(ADS))
                .addHttpFilters(router()).build());
    }

    static Listener inlineListener(String name, int port, RouteConfiguration routes) {
        return listener(name, port, HttpConnectionManager.newBuilder().setStatPrefix(name)
                .setRouteConfig(routes).addHttpFilters(router()).build());
    }

    static Cluster edsCluster(String name) {
        return Cluster.newBuilder().setName(name).setType(Cluster.DiscoveryType.EDS)
                .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setServiceName(name).setEdsConfig(ADS))
                .setConnectTimeout(Duration.newBuilder().setSeconds(1))
                .setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN)
                .build();
    }

    static Cluster staticCluster(String name, int port) {
        return Cluster.newBuilder().setName(name).setType(Cluster.DiscoveryType.STATIC)
                .setConnectTimeout(Duration.newBuilder().setSeconds(1))
                .setLoadAssignment(endpoints(name, port))
                .build();
    }

    static ClusterLoadAssignment endpoints(String cluster, int... ports) {
        LocalityLbEndpoints.Builder locality = LocalityLbEndpoints.newBuilder();
        for (int port : ports) {
            locality.addLbEndpoints(LbEndpoint.newBuilder()
                    .setEndpoint(Endpoint.newBuilder().setAddress(address("127.0.0.1", port))));
        }
        return ClusterLoadAssignment.newBuilder().setClusterName(cluster).addEndpoints(locality).build();
    }

    static Snapshot snapshot(String version, List<Cluster> clusters, List<ClusterLoadAssignment> endpoints,
                             List<Listener> listeners, List<RouteConfiguration> routes) {
        return Snapshot.create(clusters, endpoints, listeners, routes, List.of(), version);
    }
}
