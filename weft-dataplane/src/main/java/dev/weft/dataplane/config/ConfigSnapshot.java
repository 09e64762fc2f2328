package dev.weft.dataplane.config;

import java.util.Map;

/**
 * Everything a data plane has applied, as immutable records parsed from xDS. The proxy holds one of these in an
 * AtomicReference; a config update builds a new one and swaps it, so a request reads one consistent view.
 *
 * @param versions applied version per xDS type URL
 * @param listeners by listener name
 * @param routes route configurations by name (RDS)
 * @param clusters by cluster name
 * @param endpoints by cluster (EDS service) name
 */
public record ConfigSnapshot(
        Map<String, String> versions,
        Map<String, ListenerConfig> listeners,
        Map<String, RouteTable> routes,
        Map<String, ClusterConfig> clusters,
        Map<String, EndpointSet> endpoints) {

    public static final ConfigSnapshot EMPTY = new ConfigSnapshot(Map.of(), Map.of(), Map.of(), Map.of(), Map.of());

    public ConfigSnapshot {
        versions = Map.copyOf(versions);
        listeners = Map.copyOf(listeners);
        routes = Map.copyOf(routes);
        clusters = Map.copyOf(clusters);
        endpoints = Map.copyOf(endpoints);
    }

    /** The route table a listener uses: inline, or the RDS one it names (null while not yet received, or for TCP). */
    public RouteTable routeTableFor(ListenerConfig listener) {
        HttpConnectionManagerConfig hcm = listener.http();
        if (hcm == null) {
            return null; // a tcp_proxy listener
        }
        return hcm.inlineRoutes() != null ? hcm.inlineRoutes() : routes.get(hcm.routeConfigName());
    }

    /** Endpoints of a cluster: inline for STATIC/DNS clusters, from EDS otherwise (empty while not received). */
    public EndpointSet endpointsFor(ClusterConfig cluster) {
        if (cluster.loadAssignment() != null) {
            return cluster.loadAssignment();
        }
        EndpointSet eds = endpoints.get(cluster.edsServiceName());
        return eds != null ? eds : new EndpointSet(cluster.edsServiceName(), java.util.List.of());
    }
}
