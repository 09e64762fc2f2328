package dev.weft.controlplane.generator;

import com.google.protobuf.UInt32Value;
import dev.weft.config.model.ConnectionPoolSettings;
import dev.weft.config.model.DestinationRule;
import dev.weft.config.model.TrafficPolicy;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.envoyproxy.envoy.type.v3.Percent;

/**
 * DestinationRule {@code connectionPool} limits → Envoy {@code circuit_breakers} (DEFAULT priority), as Istio maps
 * them: {@code tcp.maxConnections} → {@code max_connections}, {@code http.http1MaxPendingRequests} →
 * {@code max_pending_requests}, {@code http.http2MaxRequests} → {@code max_requests}, {@code http.maxRetries} →
 * {@code max_retries}. Where Istio leaves retries unbounded, Weft adds a {@code retry_budget} (20% of active
 * requests, at least 3) unless {@code maxRetries} asks for a flat limit. Emitted only when a limit is set; without
 * one the data plane applies the same default budget.
 */
final class CircuitBreakersTranslator {
    static final double DEFAULT_BUDGET_PERCENT = 20;
    static final int DEFAULT_MIN_RETRY_CONCURRENCY = 3;

    private CircuitBreakersTranslator() {}

    static void apply(Cluster.Builder c, DestinationRule rule, int port, String subsetName) {
        ConnectionPoolSettings pool = resolve(rule, port, subsetName);
        if (pool == null) {
            return;
        }
        CircuitBreakers.Thresholds.Builder t = CircuitBreakers.Thresholds.newBuilder()
                .setPriority(RoutingPriority.DEFAULT);
        boolean any = false;
        if (pool.tcp() != null && pool.tcp().maxConnections() != null) {
            t.setMaxConnections(UInt32Value.of(pool.tcp().maxConnections()));
            any = true;
        }
        ConnectionPoolSettings.Http http = pool.http();
        if (http != null) {
            if (http.http1MaxPendingRequests() != null) {
                t.setMaxPendingRequests(UInt32Value.of(http.http1MaxPendingRequests()));
                any = true;
            }
            if (http.http2MaxRequests() != null) {
                t.setMaxRequests(UInt32Value.of(http.http2MaxRequests()));
                any = true;
            }
            if (http.maxRetries() != null) {
                t.setMaxRetries(UInt32Value.of(http.maxRetries()));
                any = true;
            }
        }
        if (!any) {
            return;
        }
        if (!t.hasMaxRetries()) {
            t.setRetryBudget(CircuitBreakers.Thresholds.RetryBudget.newBuilder()
                    .setBudgetPercent(Percent.newBuilder().setValue(DEFAULT_BUDGET_PERCENT))
                    .setMinRetryConcurrency(UInt32Value.of(DEFAULT_MIN_RETRY_CONCURRENCY)));
        }
        c.setCircuitBreakers(CircuitBreakers.newBuilder().addThresholds(t));
    }

    static ConnectionPoolSettings resolve(DestinationRule rule, int port, String subsetName) {
        return EffectiveTrafficPolicy.setting(rule, port, subsetName, TrafficPolicy::connectionPool,
                TrafficPolicy.PortTrafficPolicy::connectionPool);
    }
}
