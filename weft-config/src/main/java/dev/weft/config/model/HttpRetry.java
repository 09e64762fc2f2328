package dev.weft.config.model;

import java.time.Duration;

/** Istio {@code HTTPRetry}. Parsed and validated; applied by the data plane in a later issue. */
public record HttpRetry(Integer attempts, Duration perTryTimeout, String retryOn, Boolean retryRemoteLocalities) {}
