package dev.weft.dataplane.retry;

/** Headers the retry and deadline logic reads and writes between hops. */
public final class RetryHeaders {
    /**
     * Set on every attempt a hop with a retry policy sends: 1 for the first try, 2 for the first retry... Apps
     * propagate it with their trace headers; a later hop that sees it does not retry what reached an application.
     */
    public static final String ATTEMPT = "x-weft-attempt";
    /** Envoy's equivalent, honoured the same way when a peer Envoy sets it. */
    public static final String ENVOY_ATTEMPT_COUNT = "x-envoy-attempt-count";
    /** Milliseconds the caller will still wait; the next hop never waits longer. */
    public static final String DEADLINE_MS = "x-weft-deadline-ms";
    /** Envoy's equivalent, read the same way. */
    public static final String ENVOY_EXPECTED_TIMEOUT_MS = "x-envoy-expected-rq-timeout-ms";

    private RetryHeaders() {}

    /** A positive number of milliseconds from a header value, or 0 when absent or not a number. */
    public static long millis(String value) {
        if (value == null || value.isEmpty() || value.length() > 12) {
            return 0;
        }
        long v = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return 0;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
