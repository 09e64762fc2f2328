package dev.weft.dataplane.retry;

import java.util.Locale;

/**
 * Envoy's {@code x-envoy-retry-on} / {@code retry_on} conditions (comma-separated in xDS). The gRPC ones are kept so
 * a policy written for gRPC routes parses; they match only responses carrying that {@code grpc-status}.
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
    CANCELLED("cancelled"),
    DEADLINE_EXCEEDED("deadline-exceeded"),
    INTERNAL("internal"),
    RESOURCE_EXHAUSTED("resource-exhausted"),
    UNAVAILABLE("unavailable");

    private final String xdsName;

    RetryOn(String xdsName) {
        this.xdsName = xdsName;
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
