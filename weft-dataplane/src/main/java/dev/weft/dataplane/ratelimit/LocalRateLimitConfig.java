package dev.weft.dataplane.ratelimit;

import java.util.concurrent.ThreadLocalRandom;

/**
 * One {@code envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit}: the listener's own config or a
 * route's {@code typed_per_filter_config} (which replaces the listener's for that route, as in Envoy).
 *
 * @param statPrefix where its counters are reported
 * @param bucket the token bucket, null when this config limits nothing (a listener-level filter that only routes use)
 * @param enabledPerMillion share of requests that take a token ({@code filter_enabled}; Envoy's default 0)
 * @param enforcedPerMillion share of requests without a token that are refused ({@code filter_enforced})
 * @param status the status of a refused request (429 unless configured; Envoy uses 429 for anything below 400)
 * @param rateLimitHeaders whether responses carry {@code x-ratelimit-limit/remaining/reset} (DRAFT_VERSION_03)
 */
public record LocalRateLimitConfig(String statPrefix, Bucket bucket, int enabledPerMillion, int enforcedPerMillion,
                                   int status, boolean rateLimitHeaders) {
    /** The filter's name in listeners and in a route's {@code typed_per_filter_config}. */
    public static final String FILTER = "envoy.filters.http.local_ratelimit";
    public static final int MILLION = 1_000_000;
    public static final int DEFAULT_STATUS = 429;
    /** The body of a refused request, Envoy's. */
    public static final String LIMITED_BODY = "local_rate_limited";

    /**
     * Envoy's {@code TokenBucket}: at most {@code maxTokens} (the bucket starts full), {@code tokensPerFill} added
     * every {@code fillIntervalNanos}.
     */
    public record Bucket(long maxTokens, long tokensPerFill, long fillIntervalNanos) {}

    public boolean drawEnabled() {
        return draw(enabledPerMillion);
    }

    public boolean drawEnforced() {
        return draw(enforcedPerMillion);
    }

    private static boolean draw(int perMillion) {
        return perMillion >= MILLION || perMillion > 0 && ThreadLocalRandom.current().nextInt(MILLION) < perMillion;
    }
}
