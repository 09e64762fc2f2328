package dev.weft.config.model;

import java.time.Duration;
import java.util.List;

/**
 * {@code LocalRateLimit.spec}. A request to a selected workload is matched against {@code routes} in order; the
 * first matching route's bucket decides alone; a request matching no route takes the workload-wide
 * {@code tokenBucket} (none: not limited).
 *
 * @param selector the workloads of the namespace it applies to (null: all of them; in {@code istio-system}: the mesh)
 * @param tokenBucket the workload-wide bucket, or null
 * @param statusCode the status of a limited request (null: 429)
 * @param responseHeaders whether responses carry {@code x-ratelimit-limit/remaining/reset} (null: true)
 * @param routes per-route buckets, tried in order
 */
public record LocalRateLimitSpec(PolicySelector selector, TokenBucket tokenBucket, Integer statusCode,
                                 Boolean responseHeaders, List<RouteLimit> routes) {
    public static final int DEFAULT_STATUS = 429;

    public LocalRateLimitSpec {
        routes = routes == null ? List.of() : Immutables.list(routes);
    }

    public int effectiveStatusCode() {
        return statusCode == null ? DEFAULT_STATUS : statusCode;
    }

    public boolean effectiveResponseHeaders() {
        return responseHeaders == null || responseHeaders;
    }

    /**
     * Envoy's {@code TokenBucket}: holds at most {@code maxTokens} (and starts full); every {@code fillInterval}
     * {@code tokensPerFill} tokens (default 1) are added; each request takes one.
     */
    public record TokenBucket(Long maxTokens, Long tokensPerFill, Duration fillInterval) {
        public long effectiveTokensPerFill() {
            return tokensPerFill == null ? 1 : tokensPerFill;
        }
    }

    /** A bucket of its own for the requests one match selects (path and/or method, both must match). */
    public record RouteLimit(String name, RouteMatch match, TokenBucket tokenBucket) {}

    /** The subset of Istio's {@code HTTPMatchRequest} an inbound request can be matched on. */
    public record RouteMatch(StringMatch uri, StringMatch method) {}
}
