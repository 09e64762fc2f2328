package dev.weft.dataplane.cluster;

import java.time.Duration;

/**
 * Envoy's slow start ({@code round_robin_lb_config} / {@code least_request_lb_config} {@code slow_start_config};
 * Istio {@code loadBalancer.warmupDurationSecs}): a host that joined the cluster (or came back from an outlier
 * ejection) less than {@code window} ago gets a share of its weight that grows with time:
 * {@code weight × max(minWeightPercent/100, (max(secondsSinceStart, 1) / windowSeconds)^(1/aggression))}.
 *
 * @param window how long a host ramps up
 * @param aggression how the ramp bends: 1 is linear, larger ramps faster at first (default 1)
 * @param minWeightPercent the smallest share of its weight a host gets while ramping (default 10)
 */
public record SlowStart(Duration window, double aggression, double minWeightPercent) {
    public static final double DEFAULT_AGGRESSION = 1.0;
    public static final double DEFAULT_MIN_WEIGHT_PERCENT = 10.0;

    /**
     * The factor (0, 1] that multiplies the weight of a host that started {@code nanosSinceStart} ago; 1 once the
     * window is over.
     */
    public double factor(long nanosSinceStart) {
        double windowSeconds = window.toNanos() / 1e9;
        double seconds = nanosSinceStart / 1e9;
        if (windowSeconds <= 0 || seconds >= windowSeconds) {
            return 1.0;
        }
        double timeFactor = Math.max(seconds, 1.0) / windowSeconds;
        double ramped = Math.pow(timeFactor, 1.0 / aggression);
        return Math.min(1.0, Math.max(minWeightPercent / 100.0, ramped));
    }

    /** Whether a host that started {@code nanosSinceStart} ago is still ramping. */
    public boolean ramping(long nanosSinceStart) {
        return nanosSinceStart < window.toNanos();
    }
}
