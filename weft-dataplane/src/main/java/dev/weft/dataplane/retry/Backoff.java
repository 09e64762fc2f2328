package dev.weft.dataplane.retry;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Envoy's retry back-off: fully jittered exponential, the n-th retry waiting a random time in
 * [0, min(base × 2^(n-1), max)); base 25 ms and max 10 × base unless the route says otherwise.
 */
public final class Backoff {
    public static final Duration DEFAULT_BASE = Duration.ofMillis(25);

    private Backoff() {}

    /** Milliseconds to wait before retry number {@code retry} (1 = the first retry). */
    public static long delayMillis(int retry, Duration base, Duration max) {
        long b = Math.max(1, (base == null ? DEFAULT_BASE : base).toMillis());
        long m = max == null || max.isZero() ? 10 * b : Math.max(b, max.toMillis());
        long ceiling = Math.min(m, b << Math.min(20, Math.max(0, retry - 1)));
        return ThreadLocalRandom.current().nextLong(ceiling + 1);
    }
}
