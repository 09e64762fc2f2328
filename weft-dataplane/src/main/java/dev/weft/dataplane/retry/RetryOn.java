package dev.weft.dataplane.retry;

import java.util.Locale;

/**
 * Envoy's {@code x-envoy-retry-on} / {@code retry_on} conditions (comma-separated in xDS), and the
 * {@code x-envoy-retry-grpc-on} ones, which match a trailers-only reply whose head carries that {@code grpc-status}.
 */
public enum RetryOn {
    /** Any 5xx response, a reset, a connect failure or a per-try timeout. */
    FIVE_XX("5xx"),
    /** 502, 503, 504, a connect failure or a per-try timeout. */
    GATEWAY_ERROR("gateway-error"),
    /** The upstream closed or reset before a response (also a per-try timeout). */
    RESET("reset"),
    /** Like reset, but only when no request byte was sent yet. */
    RESET_BEFORE_REQUEST("reset-before-request"),
    /** The connection could not be established. */
    CONNECT_FAILURE("connect-failure"),
    /** 409 Conflict. */
    RETRIABLE_4XX("retriable-4xx"),
    /** HTTP/2 REFUSED_STREAM: the upstream did not process the request. Over HTTP/1.1 a closed reused connection. */
    REFUSED_STREAM("refused-stream"),
    /** Any of the route's {@code retriable_status_codes}. */
    RETRIABLE_STATUS_CODES("retriable-status-codes"),
    /** Not supported by Weft's data plane: parsed, matches nothing. */
    RETRIABLE_HEADERS("retriable-headers"),
    ENVOY_RATELIMITED("envoy-ratelimited"),
    HTTP3_POST_CONNECT_FAILURE("http3-post-connect-failure"),
    /** gRPC CANCELLED (1) in the head of a trailers-only reply. */
    CANCELLED("cancelled", 1),
    /** gRPC DEADLINE_EXCEEDED (4). */
    DEADLINE_EXCEEDED("deadline-exceeded", 4),
    /** gRPC INTERNAL (13). */
    INTERNAL("internal", 13),
    /** gRPC RESOURCE_EXHAUSTED (8). */
    RESOURCE_EXHAUSTED("resource-exhausted", 8),
    /** gRPC UNAVAILABLE (14). */
    UNAVAILABLE("unavailable", 14);

    private final String xdsName;
    private final int grpcStatus;

    RetryOn(String xdsName) {
        this(xdsName, -1);
    }

    RetryOn(String xdsName, int grpcStatus) {
        this.xdsName = xdsName;
        this.grpcStatus = grpcStatus;
    }

    /** The gRPC status code this condition retries, -1 for the HTTP conditions. */
    public int grpcStatus() {
        return grpcStatus;
    }

    public String xdsName() {
        return xdsName;
    }

    /** The condition called {@code name} in xDS, or null when there is none. */
    public static RetryOn of(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        for (RetryOn r : values()) {
            if (r.xdsName.equals(n)) {
                return r;
            }
        }
        return null;
    }
}
