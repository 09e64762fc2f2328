package dev.weft.config.model;

import java.time.Duration;

/** Istio {@code OutlierDetection}; applied as Envoy {@code outlier_detection}. */
public record OutlierDetection(Integer consecutiveErrors, Integer consecutiveGatewayErrors,
                               Integer consecutive5xxErrors, Boolean splitExternalLocalOriginErrors,
                               Integer consecutiveLocalOriginFailures, Duration interval, Duration baseEjectionTime,
                               Integer maxEjectionPercent, Integer minHealthPercent) {}
