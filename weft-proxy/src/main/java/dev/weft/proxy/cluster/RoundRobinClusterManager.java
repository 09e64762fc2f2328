package dev.weft.proxy.cluster;

import dev.weft.dataplane.cluster.Cluster;
import dev.weft.dataplane.cluster.ClusterManager;
import dev.weft.dataplane.cluster.LbContext;
import dev.weft.dataplane.cluster.UpstreamHost;
import dev.weft.dataplane.config.ClusterConfig;
import dev.weft.dataplane.config.ConfigSnapshot;
import dev.weft.dataplane.config.Endpoint;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stand-in used until the data plane's own cluster manager (with every load-balancing policy) is available: every
 * cluster is balanced round robin over its healthy hosts, and hosts keep their counters across updates.
 */
public final class RoundRobinClusterManager implements ClusterManager {
    private volatile Map<String, Cluster> clusters = Map.of();

    @Override
    public Cluster get(String name) {
        return clusters.get(name);
    }

    @Override
    public Collection<Cluster> all() {
        return clusters.values();
    }

    @Override
    public synchronized void update(ConfigSnapshot snapshot) {
        Map<String, UpstreamHost> previous = new HashMap<>();
        for (Cluster c : clusters.values()) {
            for (UpstreamHost h : c.hosts()) {
                previous.put(c.config().name() + "|" + h.address(), h);
            }
        }
        Map<String, Cluster> next = new HashMap<>();
        for (ClusterConfig config : snapshot.clusters().values()) {
            List<UpstreamHost> hosts = new ArrayList<>();
            for (Endpoint e : snapshot.endpointsFor(config).endpoints()) {
                UpstreamHost h = previous.get(config.name() + "|" + e.authority());
                if (h == null) {
                    h = new UpstreamHost(e);
                } else {
                    h.update(e);
                }
                hosts.add(h);
            }
            next.put(config.name(), new RoundRobin(config, List.copyOf(hosts)));
        }
        clusters = Map.copyOf(next);
    }

    private record RoundRobin(ClusterConfig config, List<UpstreamHost> hosts, AtomicInteger next)
            implements Cluster {
        RoundRobin(ClusterConfig config, List<UpstreamHost> hosts) {
            this(config, hosts, new AtomicInteger());
        }

        @Override
        public UpstreamHost pick(LbContext context) {
            int n = hosts.size();
            for (int i = 0; i < n; i++) {
                UpstreamHost h = hosts.get(Math.floorMod(next.getAndIncrement(), n));
                if (h.endpoint().healthy() && h != context.exclude()) {
                    return h;
                }
            }
            return null;
        }
    }
}
