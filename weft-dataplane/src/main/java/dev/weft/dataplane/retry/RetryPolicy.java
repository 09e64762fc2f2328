package dev.weft.dataplane.retry;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

/**
 * A route's retry policy (Envoy {@code RouteAction.retry_policy}).
 *
 * @param numRetries retries after the first try (Envoy's default 1)
 * @param perTryTimeout timeout of each try; {@link Duration#ZERO}: only the route timeout applies
 * @param retryOn the conditions that make a try retriable
 * @param retriableStatusCodes statuses retried under {@link RetryOn#RETRIABLE_STATUS_CODES}
 * @param backoffBase first back-off ceiling (Envoy: 25 ms)
 * @param backoffMax largest back-off ceiling (Envoy: 10 × base); {@link Duration#ZERO} = default
 * @param otherHost retries avoid the hosts already tried when others exist ({@code previous_hosts} predicate)
 */
public record RetryPolicy(int numRetries, Duration perTryTimeout, Set<RetryOn> retryOn,
                          Set<Integer> retriableStatusCodes, Duration backoffBase, Duration backoffMax,
                          boolean otherHost) {
    public RetryPolicy {
        retryOn = retryOn.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(retryOn));
        retriableStatusCodes = Set.copyOf(retriableStatusCodes);
    }

    /** Whether a response with {@code status} is retried. */
    public boolean retriesStatus(int status) {
        if (retryOn.contains(RetryOn.FIVE_XX) && status >= 500 && status <= 599) {
            return true;
        }
        if (retryOn.contains(RetryOn.GATEWAY_ERROR) && status >= 502 && status <= 504) {
            return true;
        }
        if (retryOn.contains(RetryOn.RETRIABLE_4XX) && status == 409) {
            return true;
        }
        return retryOn.contains(RetryOn.RETRIABLE_STATUS_CODES) && retriableStatusCodes.contains(status);
    }

    /** Whether a failure to connect is retried. */
    public boolean retriesConnectFailure() {
        return retryOn.contains(RetryOn.CONNECT_FAILURE) || retryOn.contains(RetryOn.FIVE_XX)
                || retryOn.contains(RetryOn.GATEWAY_ERROR) || retryOn.contains(RetryOn.RESET_BEFORE_REQUEST);
    }

    /**
     * Whether a connection closed or reset before a response is retried; {@code requestReachedUpstream}: request
     * bytes were written (so the upstream application may have seen it).
     */
    public boolean retriesReset(boolean requestReachedUpstream) {
        if (retryOn.contains(RetryOn.FIVE_XX) || retryOn.contains(RetryOn.RESET)) {
            return true;
        }
        return !requestReachedUpstream && (retryOn.contains(RetryOn.RESET_BEFORE_REQUEST)
                || retryOn.contains(RetryOn.REFUSED_STREAM));
    }

    /** Whether a per-try timeout is retried (Envoy: under 5xx, gateway-error and reset). */
    public boolean retriesPerTryTimeout() {
        return retryOn.contains(RetryOn.FIVE_XX) || retryOn.contains(RetryOn.GATEWAY_ERROR)
                || retryOn.contains(RetryOn.RESET);
    }
}
