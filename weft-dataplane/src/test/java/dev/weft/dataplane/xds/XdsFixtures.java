package dev.weft.dataplane.xds;

import com.google.protobuf.Any;
import com.google.protobuf.Struct;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;

/** xDS resources shaped the way Weft's control plane emits them (docs/xds-conventions.md). */
final class XdsFixtures {
    static final String REVIEWS = "outbound|9080||reviews.default.svc.cluster.local";
    static final ConfigSource ADS = ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance())
            .build();

    private XdsFixtures() {}

    static Address address(String host, int port) {
        return Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress(host).setPortValue(port))
                .build();
    }

    static HttpConnectionManager.Builder hcm() {
        return HttpConnectionManager.newBuilder()
                .setStatPrefix("outbound")
                .setRds(Rds.newBuilder().setRouteConfigName("outbound").setConfigSource(ADS))
                .addHttpFilters(router());
    }

    static HttpFilter router() {
        return HttpFilter.newBuilder().setName(ListenerParser.ROUTER_FILTER)
                .setTypedConfig(Any.pack(Router.getDefaultInstance())).build();
    }

    static Listener listener(String name, int port, HttpConnectionManager hcm) {
        return Listener.newBuilder()
                .setName(name)
                .setAddress(address("127.0.0.1", port))
                .addFilterChains(FilterChain.newBuilder().addFilters(Filter.newBuilder()
                        .setName(ListenerParser.HCM_FILTER).setTypedConfig(Any.pack(hcm))))
                .build();
    }

    static Listener outboundListener(int port) {
        return listener("outbound", port, hcm().build());
    }

    static Route route(String prefix, String cluster) {
        return Route.newBuilder().setName(prefix)
                .setMatch(RouteMatch.newBuilder().setPrefix(prefix))
                .setRoute(RouteAction.newBuilder().setCluster(cluster))
                .build();
    }

    static RouteConfiguration routes(String name, Route... routes) {
        return RouteConfiguration.newBuilder().setName(name)
                .addVirtualHosts(VirtualHost.newBuilder().setName("reviews.default.svc.cluster.local:9080")
                        .addDomains("reviews").addDomains("reviews:9080")
                        .addDomains("reviews.default.svc.cluster.local")
                        .addAllRoutes(java.util.List.of(routes)))
                .build();
    }

    static Cluster edsCluster(String name) {
        return Cluster.newBuilder().setName(name).setType(Cluster.DiscoveryType.EDS)
                .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setServiceName(name).setEdsConfig(ADS))
                .setConnectTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(2))
                .build();
    }

    static LbEndpoint.Builder lbEndpoint(String ip, int port) {
        return LbEndpoint.newBuilder().setEndpoint(
                io.envoyproxy.envoy.config.endpoint.v3.Endpoint.newBuilder().setAddress(address(ip, port)));
    }

    static ClusterLoadAssignment endpoints(String cluster, String... ips) {
        LocalityLbEndpoints.Builder locality = LocalityLbEndpoints.newBuilder();
        for (String ip : ips) {
            locality.addLbEndpoints(lbEndpoint(ip, 15006)
                    .setLoadBalancingWeight(UInt32Value.of(1))
                    .setMetadata(Metadata.newBuilder().putFilterMetadata("weft", Struct.newBuilder()
                            .putFields("sidecar", Value.newBuilder().setBoolValue(true).build())
                            .putFields("labels", Value.newBuilder().setStructValue(Struct.newBuilder()
                                    .putFields("version", Value.newBuilder().setStringValue("v1").build()))
                                    .build())
                            .build())));
        }
        return ClusterLoadAssignment.newBuilder().setClusterName(cluster).addEndpoints(locality).build();
    }
}
