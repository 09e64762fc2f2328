package dev.weft.config.model;

import java.time.Duration;

/** Istio {@code OutlierDetection}. Parsed and validated; not yet applied. */
public record OutlierDetection(Integer consecutiveErrors, Integer consecutiveGatewayErrors,
                               Integer consecutive5xxErrors, Boolean splitExternalLocalOriginErrors,
                               Integer consecutiveLocalOriginFailures, Duration interval, Duration baseEjectionTime,
                               Integer maxEjectionPercent, Integer minHealthPercent) {}
