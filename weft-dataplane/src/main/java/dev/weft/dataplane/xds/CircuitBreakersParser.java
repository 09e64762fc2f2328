package dev.weft.dataplane.xds;

import dev.weft.dataplane.circuit.CircuitBreakers;
import dev.weft.dataplane.retry.RetryBudget;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers.Thresholds;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;

/**
 * Cluster {@code circuit_breakers} → {@link CircuitBreakers}: the DEFAULT-priority thresholds (Weft routes
 * everything at default priority, so HIGH thresholds never apply and are ignored).
 */
final class CircuitBreakersParser {
    private CircuitBreakersParser() {}

    static CircuitBreakers parse(io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers cb, Rejector reject)
            throws ResourceRejectedException {
        for (int i = 0; i < cb.getThresholdsCount(); i++) {
            Thresholds t = cb.getThresholds(i);
            if (t.getPriority() != RoutingPriority.DEFAULT) {
                continue;
            }
            String path = "circuit_breakers.thresholds[" + i + "]";
            RetryBudget budget = RetryBudget.DEFAULT;
            if (t.hasRetryBudget()) {
                var b = t.getRetryBudget();
                double percent = b.hasBudgetPercent() ? b.getBudgetPercent().getValue() : 20.0;
                int min = b.hasMinRetryConcurrency() ? b.getMinRetryConcurrency().getValue() : 3;
                if (percent < 0 || percent > 100) {
                    throw reject.at(path + ".retry_budget.budget_percent", "must be 0..100, got " + percent);
                }
                budget = new RetryBudget(percent, min);
            } else if (t.hasMaxRetries()) {
                budget = new RetryBudget(0, clamp(t.getMaxRetries().getValue())); // Envoy's flat limit
            }
            return new CircuitBreakers(t.hasMaxRequests() ? clamp(t.getMaxRequests().getValue()) : 0,
                    t.hasMaxPendingRequests() ? clamp(t.getMaxPendingRequests().getValue()) : 0,
                    t.hasMaxConnections() ? clamp(t.getMaxConnections().getValue()) : 0, budget);
        }
        return CircuitBreakers.NONE;
    }

    /** Istio writes 2^32-1 for "no limit"; anything above int range means the same here. */
    private static int clamp(int unsignedValue) {
        return unsignedValue < 0 ? 0 : unsignedValue;
    }
}
