package dev.weft.dataplane.retry;

/**
 * Weft's default retry budget over time (the idea of Linkerd's and Finagle's budgets, not Envoy's): on one proxy, the
 * retries to a cluster over the last {@link SlidingWindowCounter#SLICES} seconds may be at most {@code ratio} of the
 * requests to it over the same window, plus {@code minRetriesPerSecond} × the window, a floor so that a quiet
 * cluster can still retry now and then. A total outage therefore costs at most {@code 1 + ratio} attempts per request
 * once traffic outweighs the floor. Envoy's {@code retry_budget} bounds something else — retries <em>in flight</em>
 * against requests in flight — and lets slow sequential traffic retry every request; Weft applies that bound too
 * when a cluster sets it (see {@link RetryBudget}).
 *
 * @param ratio retries per request allowed over the window (0.2: 20%)
 * @param minRetriesPerSecond retries per second allowed whatever the traffic
 */
public record RetryRatioBudget(double ratio, int minRetriesPerSecond) {
    public static final RetryRatioBudget DEFAULT = new RetryRatioBudget(0.2, 3);

    public RetryRatioBudget {
        if (ratio < 0 || ratio > 1 || minRetriesPerSecond < 0) {
            throw new IllegalArgumentException("retry ratio budget " + ratio + " / " + minRetriesPerSecond + "/s");
        }
    }

    public static int windowSeconds() {
        return SlidingWindowCounter.SLICES;
    }

    /** Retries the window may hold when it saw {@code requests} requests. */
    public long allowedRetries(long requests) {
        return (long) (requests * ratio) + (long) minRetriesPerSecond * windowSeconds();
    }
}
