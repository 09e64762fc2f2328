package dev.weft.dataplane.outlier;

import java.time.Duration;

/**
 * A cluster's {@code outlier_detection} (the consecutive-error detectors; success-rate and failure-percentage
 * detection are not supported and are NACKed when enforced).
 *
 * @param consecutive5xx 5xx responses in a row that eject a host (0: off)
 * @param consecutiveGatewayFailure 502/503/504 in a row that eject a host (0: off)
 * @param consecutiveLocalOriginFailure connect failures, resets and timeouts in a row that eject a host, counted
 *     apart from responses only when {@code splitExternalLocalOriginErrors} (0: off)
 * @param splitExternalLocalOriginErrors whether local-origin failures are counted on their own; otherwise they count
 *     as a 503 (connect failure, reset) or 504 (timeout) response, as Envoy does
 * @param interval how often ejections are reviewed (ejected hosts come back, the ejection multiplier decays)
 * @param baseEjectionTime a host is ejected for this × the number of times it has been ejected
 * @param maxEjectionTime the longest an ejection lasts
 * @param maxEjectionPercent at most this share of the hosts is ejected at once (at least one host may be)
 * @param panicThresholdPercent below this share of available hosts the load balancer ignores ejections and health
 *     (Envoy's {@code healthy_panic_threshold}, Istio's {@code minHealthPercent})
 */
public record OutlierDetectionConfig(int consecutive5xx, int consecutiveGatewayFailure,
                                     int consecutiveLocalOriginFailure, boolean splitExternalLocalOriginErrors,
                                     Duration interval, Duration baseEjectionTime, Duration maxEjectionTime,
                                     int maxEjectionPercent, double panicThresholdPercent) {
    /** Envoy's defaults for the fields we read. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);
    public static final Duration DEFAULT_BASE_EJECTION_TIME = Duration.ofSeconds(30);
    public static final Duration DEFAULT_MAX_EJECTION_TIME = Duration.ofSeconds(300);
    public static final int DEFAULT_CONSECUTIVE_5XX = 5;
    public static final int DEFAULT_MAX_EJECTION_PERCENT = 10;
    public static final double DEFAULT_PANIC_THRESHOLD = 50;
}
