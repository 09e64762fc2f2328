package dev.weft.dataplane.cluster;

import dev.weft.dataplane.config.ClusterConfig;
import dev.weft.dataplane.config.EndpointSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** An immutable cluster: its config, the endpoints it was built from, its hosts and their load balancer. */
public final class DefaultCluster implements Cluster {
    private final ClusterConfig config;
    private final EndpointSet endpoints;
    private final List<UpstreamHost> hosts;
    private final List<UpstreamHost> healthyHosts;
    private final LoadBalancer loadBalancer;
    private final dev.weft.dataplane.retry.ClusterTraffic traffic;

    DefaultCluster(ClusterConfig config, EndpointSet endpoints, List<UpstreamHost> hosts) {
        this(config, endpoints, hosts, new dev.weft.dataplane.retry.ClusterTraffic());
    }

    DefaultCluster(ClusterConfig config, EndpointSet endpoints, List<UpstreamHost> hosts,
                   dev.weft.dataplane.retry.ClusterTraffic traffic) {
        this.traffic = traffic;
        this.config = config;
        this.endpoints = endpoints;
        this.hosts = List.copyOf(hosts);
        this.healthyHosts = hosts.stream().filter(h -> h.endpoint().healthy()).toList();
        this.loadBalancer = LoadBalancer.create(config, healthyHosts);
    }

    @Override
    public ClusterConfig config() {
        return config;
    }

    /** The endpoints this cluster was built from (inline or EDS). */
    public EndpointSet endpoints() {
        return endpoints;
    }

    @Override
    public List<UpstreamHost> hosts() {
        return hosts;
    }

    public List<UpstreamHost> healthyHosts() {
        return healthyHosts;
    }

    public LoadBalancer loadBalancer() {
        return loadBalancer;
    }

    @Override
    public dev.weft.dataplane.retry.ClusterTraffic traffic() {
        return traffic;
    }

    @Override
    public UpstreamHost pick(LbContext context) {
        return loadBalancer.pick(context);
    }

    Map<String, UpstreamHost> hostsByAddress() {
        Map<String, UpstreamHost> byAddress = new LinkedHashMap<>();
        for (UpstreamHost h : hosts) {
            byAddress.put(h.address(), h);
        }
        return byAddress;
    }

    @Override
    public String toString() {
        return config.name() + hosts;
    }
}
