package dev.weft.dataplane.retry;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Requests and retries in flight on one cluster, across all event loops; kept across config updates of the
 * cluster so the budget is not reset by a push. Two atomics, touched once per request and once per retry.
 */
public final class ClusterTraffic {
    private final AtomicInteger activeRequests = new AtomicInteger();
    private final AtomicInteger activeRetries = new AtomicInteger();
    private final java.util.concurrent.atomic.LongAdder retriesDenied = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder retries = new java.util.concurrent.atomic.LongAdder();

    public void requestStarted() {
        activeRequests.incrementAndGet();
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

    /** Takes one retry slot if {@code budget} allows it; pair a true answer with {@link #retryEnded()}. */
    public boolean tryStartRetry(RetryBudget budget) {
        int allowed = budget.allowedRetries(activeRequests.get());
        for (;;) {
            int current = activeRetries.get();
            if (current >= allowed) {
                retriesDenied.increment();
                return false;
            }
            if (activeRetries.compareAndSet(current, current + 1)) {
                retries.increment();
                return true;
            }
        }
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
