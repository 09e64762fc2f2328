package dev.weft.dataplane.cluster;

import dev.weft.dataplane.config.ClusterConfig;
import dev.weft.dataplane.config.ConfigSnapshot;
import dev.weft.dataplane.config.Endpoint;
import dev.weft.dataplane.config.EndpointSet;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds {@link Cluster}s from each applied snapshot and swaps them in atomically. A cluster whose config and
 * endpoints did not change is kept as is (its load balancer state survives); otherwise a new one is built that reuses
 * the {@link UpstreamHost} of every address it already had, so counters survive config pushes.
 */
public final class DefaultClusterManager implements ClusterManager {
    /**
     * How often ejected hosts are checked for return (a little after their ejection time is over at worst), and how
     * often the weights of hosts in slow start are refreshed.
     */
    static final long OUTLIER_REVIEW_MILLIS = 200;

    private volatile Map<String, DefaultCluster> clusters = Map.of();
    private java.util.concurrent.ScheduledExecutorService outlierReviews;

    private void reviewOutliers() {
        for (DefaultCluster c : clusters.values()) {
            try {
                c.refreshSlowStart();
                if (c.outlierDetector() != null) {
                    c.outlierDetector().review();
                }
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(DefaultClusterManager.class)
                        .error("outlier review of {} failed", c.config().name(), e);
            }
        }
    }

    @Override
    public Cluster get(String name) {
        return clusters.get(name);
    }

    @Override
    public Collection<Cluster> all() {
        return List.copyOf(clusters.values());
    }

    /** Not thread-safe against itself: call from one thread (the xDS client's). */
    @Override
    public void update(ConfigSnapshot snapshot) {
        Map<String, DefaultCluster> previous = clusters;
        Map<String, DefaultCluster> next = new HashMap<>();
        for (ClusterConfig config : snapshot.clusters().values()) {
            EndpointSet endpoints = snapshot.endpointsFor(config);
            DefaultCluster old = previous.get(config.name());
            if (old != null && old.config().equals(config) && old.endpoints().equals(endpoints)) {
                next.put(config.name(), old);
                continue;
            }
            Map<String, UpstreamHost> known = old == null ? Map.of() : old.hostsByAddress();
            List<UpstreamHost> hosts = new ArrayList<>(endpoints.endpoints().size());
            for (Endpoint endpoint : endpoints.endpoints()) {
                UpstreamHost host = known.get(endpoint.authority());
                if (host == null) {
                    host = new UpstreamHost(endpoint);
                } else {
                    host.update(endpoint);
                }
                hosts.add(host);
            }
            next.put(config.name(), new DefaultCluster(config, endpoints, hosts,
                    old == null ? new dev.weft.dataplane.retry.ClusterTraffic() : old.traffic(),
                    old == null ? new dev.weft.dataplane.pool.ClusterConnections() : old.connections()));
        }
        clusters = Map.copyOf(next);
        if (outlierReviews == null && next.values().stream()
                .anyMatch(c -> c.outlierDetector() != null || c.config().slowStart() != null)) {
            outlierReviews = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "weft-outlier-review");
                t.setDaemon(true);
                return t;
            });
            outlierReviews.scheduleAtFixedRate(this::reviewOutliers, OUTLIER_REVIEW_MILLIS, OUTLIER_REVIEW_MILLIS,
                    java.util.concurrent.TimeUnit.MILLISECONDS);
        }
    }
}
