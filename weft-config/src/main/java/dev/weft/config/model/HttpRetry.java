package dev.weft.config.model;

import java.time.Duration;

/** Istio {@code HTTPRetry}; applied (retryRemoteLocalities parsed only). */
public record HttpRetry(Integer attempts, Duration perTryTimeout, String retryOn, Boolean retryRemoteLocalities) {}
