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
    /** Rebuilt (off the request path) when outlier detection ejects or returns a host; read once per pick. */
    private volatile LoadBalancer loadBalancer;
    private final dev.weft.dataplane.retry.ClusterTraffic traffic;
    private final dev.weft.dataplane.outlier.OutlierDetector outlierDetector;

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
        this.outlierDetector = config.outlierDetection() == null ? null
                : new dev.weft.dataplane.outlier.OutlierDetector(config.name(), config.outlierDetection(), this.hosts,
                        this::rebuildLoadBalancer);
        this.loadBalancer = LoadBalancer.create(config, availableHosts());
    }

    /**
     * The healthy hosts that are not ejected; all healthy ones when fewer than the panic threshold would be left
     * (Envoy's panic mode: better to spread load over suspect hosts than to overload the few good ones).
     */
    private List<UpstreamHost> availableHosts() {
        if (outlierDetector == null) {
            return healthyHosts;
        }
        List<UpstreamHost> available = healthyHosts.stream().filter(h -> !h.outlier().isEjected()).toList();
        double percent = hosts.isEmpty() ? 100 : available.size() * 100.0 / hosts.size();
        return percent < config.outlierDetection().panicThresholdPercent() ? healthyHosts : available;
    }

    private void rebuildLoadBalancer() {
        synchronized (this) {
            loadBalancer = LoadBalancer.create(config, availableHosts());
        }
    }

    @Override
    public dev.weft.dataplane.retry.RetryBudget retryBudget() {
        return config.circuitBreakers().retryBudget();
    }

    @Override
    public dev.weft.dataplane.outlier.OutlierDetector outlierDetector() {
        return outlierDetector;
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
