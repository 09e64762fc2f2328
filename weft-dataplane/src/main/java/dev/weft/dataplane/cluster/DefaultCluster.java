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
    private final dev.weft.dataplane.pool.ClusterConnections connections;
    private final dev.weft.dataplane.outlier.OutlierDetector outlierDetector;

    DefaultCluster(ClusterConfig config, EndpointSet endpoints, List<UpstreamHost> hosts) {
        this(config, endpoints, hosts, new dev.weft.dataplane.retry.ClusterTraffic());
    }

    DefaultCluster(ClusterConfig config, EndpointSet endpoints, List<UpstreamHost> hosts,
                   dev.weft.dataplane.retry.ClusterTraffic traffic) {
        this(config, endpoints, hosts, traffic, new dev.weft.dataplane.pool.ClusterConnections());
    }

    DefaultCluster(ClusterConfig config, EndpointSet endpoints, List<UpstreamHost> hosts,
                   dev.weft.dataplane.retry.ClusterTraffic traffic,
                   dev.weft.dataplane.pool.ClusterConnections connections) {
        this.traffic = traffic;
        this.connections = connections;
        connections.limits(config.circuitBreakers().maxConnections(), config.circuitBreakers().maxPendingRequests());
        this.config = config;
        this.endpoints = endpoints;
        this.hosts = List.copyOf(hosts);
        this.healthyHosts = hosts.stream().filter(h -> h.endpoint().healthy()).toList();
        this.outlierDetector = config.outlierDetection() == null ? null
                : new dev.weft.dataplane.outlier.OutlierDetector(config.name(), config.outlierDetection(), this.hosts,
                        this::rebuildLoadBalancer);
        List<UpstreamHost> available = availableHosts();
        long now = System.nanoTime();
        this.loadBalancer = LoadBalancer.create(config, available, now);
        this.slowStartRamping = Weights.anyRamping(available, config.slowStart(), now);
    }

    /** Some available host is still in its slow-start window: the balancer's weights need refreshing. */
    private volatile boolean slowStartRamping;

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
            List<UpstreamHost> available = availableHosts();
            long now = System.nanoTime();
            loadBalancer = LoadBalancer.create(config, available, now);
            slowStartRamping = Weights.anyRamping(available, config.slowStart(), now);
        }
    }

    /**
     * Rebuilds the balancer with the current slow-start weights while a host ramps up (and once more when the last
     * one is done); called periodically off the request path, so picks stay lock-free and allocation-free.
     */
    void refreshSlowStart() {
        if (slowStartRamping) {
            rebuildLoadBalancer();
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
    public dev.weft.dataplane.pool.ClusterConnections connections() {
        return connections;
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
