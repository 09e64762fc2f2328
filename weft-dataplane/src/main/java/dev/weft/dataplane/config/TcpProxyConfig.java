package dev.weft.dataplane.config;

import dev.weft.dataplane.authz.RbacFilter;
import java.time.Duration;
import java.util.List;

/**
 * A listener's {@code envoy.filters.network.tcp_proxy}: each accepted connection is relayed, as a byte stream, to one
 * endpoint of one of {@code clusters} (picked by weight per connection).
 *
 * @param statPrefix   Envoy's stat_prefix
 * @param clusters     one cluster (weight 1) or the weighted_clusters, never empty
 * @param idleTimeout  a connection with no bytes either way for this long is closed; {@link Duration#ZERO} disables
 * @param rbacFilters  the chain's {@code envoy.filters.network.rbac} filters before the tcp_proxy, in order
 *                     (AuthorizationPolicy); empty: every connection is relayed
 */
public record TcpProxyConfig(String statPrefix, List<WeightedCluster> clusters, Duration idleTimeout,
                             List<RbacFilter> rbacFilters) {
    /** Envoy's default idle_timeout when the field is absent. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofHours(1);

    public TcpProxyConfig {
        clusters = List.copyOf(clusters);
        if (clusters.isEmpty()) {
            throw new IllegalArgumentException("a tcp proxy needs at least one cluster");
        }
        rbacFilters = rbacFilters == null ? List.of() : List.copyOf(rbacFilters);
    }

    /** A tcp_proxy with no authorization in front of it. */
    public TcpProxyConfig(String statPrefix, List<WeightedCluster> clusters, Duration idleTimeout) {
        this(statPrefix, clusters, idleTimeout, List.of());
    }

    /** The same proxy behind {@code filters} (network RBAC, in chain order). */
    public TcpProxyConfig withRbacFilters(List<RbacFilter> filters) {
        return new TcpProxyConfig(statPrefix, clusters, idleTimeout, filters);
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
