package dev.weft.proxy;

import dev.weft.dataplane.config.ClusterConfig;
import dev.weft.dataplane.config.ConfigSnapshot;
import dev.weft.dataplane.config.Endpoint;
import dev.weft.dataplane.config.EndpointSet;
import dev.weft.dataplane.config.HeaderMutations;
import dev.weft.dataplane.config.HttpConnectionManagerConfig;
import dev.weft.dataplane.config.ListenerConfig;
import dev.weft.dataplane.config.Route;
import dev.weft.dataplane.config.RouteAction;
import dev.weft.dataplane.config.RouteMatch;
import dev.weft.dataplane.config.RouteTable;
import dev.weft.dataplane.config.VirtualHost;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Builders for data-plane config records in proxy tests. */
final class TestConfigs {
    private TestConfigs() {}

    static ClusterConfig staticCluster(String name, int... ports) {
        List<Endpoint> endpoints = Arrays.stream(ports)
                .mapToObj(p -> new Endpoint("127.0.0.1", p, 1, true, false, Map.of())).toList();
        return new ClusterConfig(name, ClusterConfig.DiscoveryType.STATIC, null, new EndpointSet(name, endpoints),
                ClusterConfig.LbPolicy.ROUND_ROBIN, 0, Duration.ofSeconds(2));
    }

    static ClusterConfig cluster(String name, List<Endpoint> endpoints) {
        return new ClusterConfig(name, ClusterConfig.DiscoveryType.STATIC, null, new EndpointSet(name, endpoints),
                ClusterConfig.LbPolicy.ROUND_ROBIN, 0, Duration.ofSeconds(2));
    }

    static RouteMatch prefix(String prefix) {
        return new RouteMatch(new RouteMatch.PathMatch.Prefix(prefix), true, List.of(), List.of());
    }

    static RouteMatch header(String prefix, String name, String value) {
        return new RouteMatch(new RouteMatch.PathMatch.Prefix(prefix), true, List.of(new RouteMatch.HeaderMatch(name,
                new dev.weft.dataplane.config.StringMatcher.Exact(value, false), false, false)), List.of());
    }

    static RouteAction.WeightedCluster weighted(String cluster, int weight) {
        return new RouteAction.WeightedCluster(cluster, weight, HeaderMutations.NONE, HeaderMutations.NONE);
    }

    static RouteAction.Forward forward(String cluster) {
        return forward(List.of(weighted(cluster, 100)), Duration.ZERO);
    }

    static RouteAction.Forward forward(List<RouteAction.WeightedCluster> clusters, Duration timeout) {
        return new RouteAction.Forward(clusters, null, null, null, timeout, List.of(), null);
    }

    static Route route(String name, RouteMatch match, RouteAction action) {
        return new Route(name, match, action, HeaderMutations.NONE, HeaderMutations.NONE);
    }

    static VirtualHost host(String name, List<String> domains, Route... routes) {
        return new VirtualHost(name, domains, List.of(routes), HeaderMutations.NONE, HeaderMutations.NONE);
    }

    /** One listener named "outbound" on an ephemeral port with an inline route table. */
    static ConfigSnapshot snapshot(List<VirtualHost> hosts, ClusterConfig... clusters) {
        RouteTable table = new RouteTable("outbound", hosts);
        HttpConnectionManagerConfig hcm = new HttpConnectionManagerConfig("outbound", null, table,
                List.of("envoy.filters.http.router"), true);
        Map<String, ClusterConfig> byName = new HashMap<>();
        for (ClusterConfig c : clusters) {
            byName.put(c.name(), c);
        }
        return new ConfigSnapshot(Map.of(), Map.of("outbound", new ListenerConfig("outbound", "127.0.0.1", 0, hcm)),
                Map.of(), byName, Map.of());
    }
}
