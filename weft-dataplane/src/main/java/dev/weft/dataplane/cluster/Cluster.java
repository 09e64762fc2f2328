package dev.weft.dataplane.cluster;

import dev.weft.dataplane.config.ClusterConfig;
import java.util.List;

/** A cluster as the request path sees it: its config, its hosts and a load balancer over the healthy ones. */
public interface Cluster {
    ClusterConfig config();

    /** Every host, healthy or not, for /clusters. */
    List<UpstreamHost> hosts();

    /** Picks a healthy host, or null when there is none. Never blocks, takes no lock. */
    UpstreamHost pick(LbContext context);

    /** Requests and retries in flight on this cluster, for its retry budget; survives config updates. */
    dev.weft.dataplane.retry.ClusterTraffic traffic();

    /**
     * Upstream connections and requests waiting for one, across event loops ({@code max_connections},
     * {@code max_pending_requests}); survives config updates.
     */
    dev.weft.dataplane.pool.ClusterConnections connections();

    /** Outlier detection of this cluster, null when it has none. */
    default dev.weft.dataplane.outlier.OutlierDetector outlierDetector() {
        return null;
    }

    /** The retry budget of this cluster (Weft's default when the Cluster sets none). */
    default dev.weft.dataplane.retry.RetryBudget retryBudget() {
        return dev.weft.dataplane.retry.RetryBudget.DEFAULT;
    }
}
