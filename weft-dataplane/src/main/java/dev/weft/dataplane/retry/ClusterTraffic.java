package dev.weft.dataplane.retry;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Requests and retries on one cluster, across all event loops: in flight (Envoy's {@code retry_budget} counts these)
 * and over the last seconds (Weft's {@link RetryRatioBudget}). Kept across config updates of the cluster so a push
 * does not reset the budget. A few atomics, touched once per request and once per retry.
 */
public final class ClusterTraffic {
    private final RetryRatioBudget ratioBudget;
    private final SlidingWindowCounter recentRequests;
    private final SlidingWindowCounter recentRetries;
    private final AtomicInteger activeRequests = new AtomicInteger();
    private final AtomicInteger activeRetries = new AtomicInteger();
    private final java.util.concurrent.atomic.LongAdder retriesDenied = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder retries = new java.util.concurrent.atomic.LongAdder();

    public ClusterTraffic() {
        this(RetryRatioBudget.DEFAULT);
    }

    public ClusterTraffic(RetryRatioBudget ratioBudget) {
        this.ratioBudget = ratioBudget;
        long now = System.nanoTime();
        this.recentRequests = new SlidingWindowCounter(now);
        this.recentRetries = new SlidingWindowCounter(now);
    }

    public void requestStarted() {
        activeRequests.incrementAndGet();
        recentRequests.increment(System.nanoTime());
    }

    public void requestEnded() {
        activeRequests.decrementAndGet();
    }

    public int activeRequests() {
        return activeRequests.get();
    }

    public int activeRetries() {
        return activeRetries.get();
    }

    /**
     * Whether one more retry may go: the ratio budget over the window must allow it, and a request's first retry
     * must also get a slot of {@code concurrency} (Envoy's retries in flight), which the caller gives back with
     * {@link #retryEnded()}. Two event loops deciding at the same instant may pass the ratio check together, so
     * the window can end up one retry over per event loop.
     */
    public boolean tryStartRetry(RetryBudget concurrency, boolean firstRetryOfRequest) {
        long now = System.nanoTime();
        if (recentRetries.sum(now) >= ratioBudget.allowedRetries(recentRequests.sum(now))) {
            retriesDenied.increment();
            return false;
        }
        if (firstRetryOfRequest && !tryTakeSlot(concurrency)) {
            retriesDenied.increment();
            return false;
        }
        recentRetries.increment(now);
        retries.increment();
        return true;
    }

    private boolean tryTakeSlot(RetryBudget budget) {
        int allowed = budget.allowedRetries(activeRequests.get());
        for (;;) {
            int current = activeRetries.get();
            if (current >= allowed) {
                return false;
            }
            if (activeRetries.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    public RetryRatioBudget ratioBudget() {
        return ratioBudget;
    }

    /** Requests started over the ratio budget's window. */
    public long recentRequests() {
        return recentRequests.sum(System.nanoTime());
    }

    /** Retries started over the ratio budget's window. */
    public long recentRetries() {
        return recentRetries.sum(System.nanoTime());
    }

    public void retryEnded() {
        activeRetries.decrementAndGet();
    }

    /** Retries started since the proxy started (Envoy's upstream_rq_retry). */
    public long retriesTotal() {
        return retries.sum();
    }

    /** Retries the budget refused (Envoy's upstream_rq_retry_overflow). */
    public long retriesDenied() {
        return retriesDenied.sum();
    }
}
