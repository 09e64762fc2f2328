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
 * @param otherHost retries avoid every host already tried when others exist ({@code previous_hosts} predicate)
 * @param hostSelectionRetryMaxAttempts how many times a retry's host is picked again when the pick was a host
 *     already tried, before the last pick is taken anyway (Envoy's {@code host_selection_retry_max_attempts}; 0 means
 *     Envoy's default of 1)
 */
public record RetryPolicy(int numRetries, Duration perTryTimeout, Set<RetryOn> retryOn,
                          Set<Integer> retriableStatusCodes, Duration backoffBase, Duration backoffMax,
                          boolean otherHost, int hostSelectionRetryMaxAttempts) {
    /** gRPC status code → retried, indexed by code (0..16). */
    private static final int GRPC_CODES = 17;

    public RetryPolicy {
        retryOn = retryOn.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(retryOn));
        retriableStatusCodes = Set.copyOf(retriableStatusCodes);
        hostSelectionRetryMaxAttempts = Math.max(1, hostSelectionRetryMaxAttempts);
    }

    /** A policy with Envoy's default host re-selection (one extra pick). */
    public RetryPolicy(int numRetries, Duration perTryTimeout, Set<RetryOn> retryOn,
                       Set<Integer> retriableStatusCodes, Duration backoffBase, Duration backoffMax,
                       boolean otherHost) {
        this(numRetries, perTryTimeout, retryOn, retriableStatusCodes, backoffBase, backoffMax, otherHost, 1);
    }

    /**
     * Whether a trailers-only gRPC reply with {@code grpcStatus} in its head is retried (Envoy's
     * {@code x-envoy-retry-grpc-on}: cancelled, deadline-exceeded, internal, resource-exhausted, unavailable).
     */
    public boolean retriesGrpcStatus(int grpcStatus) {
        if (grpcStatus <= 0 || grpcStatus >= GRPC_CODES) {
            return false;
        }
        for (RetryOn r : retryOn) {
            if (r.grpcStatus() == grpcStatus) {
                return true;
            }
        }
        return false;
    }

    /** Whether any gRPC condition is set, so a reply's {@code grpc-status} is worth reading. */
    public boolean retriesAnyGrpcStatus() {
        for (RetryOn r : retryOn) {
            if (r.grpcStatus() > 0) {
                return true;
            }
        }
        return false;
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
