/**
 * Retries as Envoy defines them (route {@code retry_policy}) plus the two guards Weft adds by default: a retry
 * budget per cluster ({@link dev.weft.dataplane.retry.RetryBudget}, counted by
 * {@link dev.weft.dataplane.retry.ClusterTraffic}) and the amplification guard — a request that arrives already
 * marked by an earlier hop's retry policy ({@link dev.weft.dataplane.retry.RetryHeaders#ATTEMPT}) is not retried
 * again once it reached an application, so a chain of sidecars that all retry makes a bounded number of attempts.
 * Transport independent: the proxy asks {@link dev.weft.dataplane.retry.RetryPolicy} what is retriable and when.
 */
package dev.weft.dataplane.retry;
