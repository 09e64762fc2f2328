package dev.weft.dataplane.retry;

/**
 * Envoy's {@code retry_budget} (circuit_breakers.thresholds): retries in flight may be at most {@code percent} of
 * the cluster's active requests, but never fewer than {@code minConcurrency}. Weft applies it by default (20 %, 3),
 * where Envoy and Istio default to a flat limit, so a failing cluster sees at most about 1.2× its normal load.
 */
public record RetryBudget(double percent, int minConcurrency) {
    public static final RetryBudget DEFAULT = new RetryBudget(20.0, 3);

    public RetryBudget {
        if (percent < 0 || percent > 100 || minConcurrency < 0) {
            throw new IllegalArgumentException("retry budget " + percent + "% / " + minConcurrency);
        }
    }

    /** How many retries may be in flight while {@code activeRequests} requests are. */
    public int allowedRetries(int activeRequests) {
        return Math.max(minConcurrency, (int) (activeRequests * percent / 100.0));
    }
}
