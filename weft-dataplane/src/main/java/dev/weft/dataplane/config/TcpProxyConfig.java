package dev.weft.dataplane.config;

import java.time.Duration;
import java.util.List;

/**
 * A listener's {@code envoy.filters.network.tcp_proxy}: each accepted connection is relayed, as a byte stream, to one
 * endpoint of one of {@code clusters} (picked by weight per connection).
 *
 * @param statPrefix   Envoy's stat_prefix
 * @param clusters     one cluster (weight 1) or the weighted_clusters, never empty
 * @param idleTimeout  a connection with no bytes either way for this long is closed; {@link Duration#ZERO} disables
 */
public record TcpProxyConfig(String statPrefix, List<WeightedCluster> clusters, Duration idleTimeout) {
    /** Envoy's default idle_timeout when the field is absent. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofHours(1);

    public TcpProxyConfig {
        clusters = List.copyOf(clusters);
        if (clusters.isEmpty()) {
            throw new IllegalArgumentException("a tcp proxy needs at least one cluster");
        }
    }

    /** One target cluster of a tcp proxy and its weight (&gt; 0). */
    public record WeightedCluster(String name, int weight) {}

    /** The sum of the weights, for picking. */
    public long totalWeight() {
        long total = 0;
        for (WeightedCluster c : clusters) {
            total += c.weight();
        }
        return total;
    }
}
