package dev.weft.dataplane.circuit;

import dev.weft.dataplane.retry.RetryBudget;

/**
 * A cluster's {@code circuit_breakers} (DEFAULT priority thresholds). Limits are across the whole proxy (all event
 * loops); 0 means no limit. Overflow is answered at once with 503 and response flag {@code UO}; only requests waiting
 * for a connection queue, at most {@code maxPendingRequests} of them
 * ({@link dev.weft.dataplane.pool.ClusterConnections}).
 *
 * @param maxRequests requests in flight to the cluster ({@code max_requests}; Istio {@code http2MaxRequests})
 * @param maxPendingRequests requests waiting for a connection ({@code max_pending_requests}; Istio
 *     {@code http1MaxPendingRequests})
 * @param maxConnections connections to the cluster's hosts ({@code max_connections}; Istio {@code tcp.maxConnections})
 * @param retryBudget retries in flight: {@code retry_budget} when set, else a flat {@code max_retries}, else
 *     Weft's default budget
 */
public record CircuitBreakers(int maxRequests, int maxPendingRequests, int maxConnections, RetryBudget retryBudget) {
    public static final CircuitBreakers NONE = new CircuitBreakers(0, 0, 0, RetryBudget.DEFAULT);
}
