package dev.weft.dataplane.outlier;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One host's outlier-detection state: consecutive-failure counters (atomics, bumped from any event loop) and its
 * ejection (written under the cluster detector's lock, read without it).
 */
public final class OutlierState {
    final AtomicInteger fiveXx = new AtomicInteger();
    final AtomicInteger gateway = new AtomicInteger();
    final AtomicInteger localOrigin = new AtomicInteger();
    volatile boolean ejected;
    volatile long ejectedUntilNanos;
    volatile int timesEjected;
    volatile long returnedAtNanos;

    public boolean isEjected() {
        return ejected;
    }

    /** When the host last came back from an ejection ({@link System#nanoTime()}), 0 if never. */
    public long returnedAtNanos() {
        return returnedAtNanos;
    }

    /** How many times the host has been ejected (the multiplier of the base ejection time). */
    public int timesEjected() {
        return timesEjected;
    }

    /** Milliseconds of ejection left, 0 when not ejected. */
    public long ejectionRemainingMillis() {
        return ejected ? Math.max(0, (ejectedUntilNanos - System.nanoTime()) / 1_000_000) : 0;
    }

    void resetCounters() {
        fiveXx.set(0);
        gateway.set(0);
        localOrigin.set(0);
    }

    /** Envoy lowers the multiplier by one for each interval a returned host stayed healthy. */
    void decayMultiplier(long now, Duration interval) {
        long step = Math.max(1, interval.toNanos());
        if (timesEjected > 0 && returnedAtNanos != 0) {
            long healthyIntervals = (now - returnedAtNanos) / step;
            timesEjected = (int) Math.max(0, timesEjected - healthyIntervals);
        }
    }
}
