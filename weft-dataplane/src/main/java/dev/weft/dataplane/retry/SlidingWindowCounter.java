package dev.weft.dataplane.retry;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Events counted over the last {@link #SLICES} seconds, without locks: one slot per second of a ring, each slot one
 * {@code long} holding the second it counts (high 32 bits) and its count (low 32 bits), so a slot moving on to a new
 * second and its first increment are one compare-and-set. The window is the current second plus the nine before it.
 */
final class SlidingWindowCounter {
    static final int SLICES = 10;
    private static final long COUNT_MASK = 0xffff_ffffL;

    private final AtomicLongArray slots = new AtomicLongArray(SLICES);
    private final long originNanos;

    SlidingWindowCounter(long originNanos) {
        this.originNanos = originNanos;
    }

    private long second(long nowNanos) {
        return Math.max(0, nowNanos - originNanos) / 1_000_000_000L;
    }

    void increment(long nowNanos) {
        long second = second(nowNanos);
        int i = (int) (second % SLICES);
        for (;;) {
            long v = slots.get(i);
            long next = (v >>> 32) == second ? v + 1 : (second << 32) | 1;
            if (slots.compareAndSet(i, v, next)) {
                return;
            }
        }
    }

    /** Events in the window ending now. */
    long sum(long nowNanos) {
        long second = second(nowNanos);
        long total = 0;
        for (int i = 0; i < SLICES; i++) {
            long v = slots.get(i);
            if (second - (v >>> 32) < SLICES) {
                total += v & COUNT_MASK;
            }
        }
        return total;
    }
}
