package dev.weft.dataplane.cluster;

import dev.weft.dataplane.config.ClusterConfig;
import java.util.List;

/**
 * Picks one of a fixed set of healthy hosts. Built once per cluster update (off the request path); {@link #pick}
 * takes no lock and allocates nothing.
 */
public sealed interface LoadBalancer
        permits RoundRobinLoadBalancer, LeastRequestLoadBalancer, RandomLoadBalancer, RingHashLoadBalancer,
        MaglevLoadBalancer {

    /** A host, or null when there is none; avoids {@code context.exclude()} when another host exists. */
    UpstreamHost pick(LbContext context);

    /** The balancer for a cluster's policy over its healthy hosts (weights are read from the hosts' endpoints). */
    static LoadBalancer create(ClusterConfig config, List<UpstreamHost> healthy) {
        return create(config, healthy, System.nanoTime());
    }

    /** Like {@link #create(ClusterConfig, List)}, with hosts still in slow start weighted as at {@code nowNanos}. */
    static LoadBalancer create(ClusterConfig config, List<UpstreamHost> healthy, long nowNanos) {
        return switch (config.lbPolicy()) {
            case ROUND_ROBIN -> new RoundRobinLoadBalancer(healthy,
                    Weights.effective(healthy, config.slowStart(), nowNanos));
            case LEAST_REQUEST -> new LeastRequestLoadBalancer(healthy,
                    Weights.effective(healthy, config.slowStart(), nowNanos));
            case RANDOM -> new RandomLoadBalancer(healthy);
            case RING_HASH -> new RingHashLoadBalancer(healthy, config.ringSize(), config.maxRingSize());
            case MAGLEV -> new MaglevLoadBalancer(healthy, config.ringSize());
        };
    }
}
