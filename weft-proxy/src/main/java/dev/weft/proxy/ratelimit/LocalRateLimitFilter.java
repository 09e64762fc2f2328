package dev.weft.proxy.ratelimit;

import dev.weft.dataplane.config.ListenerConfig;
import dev.weft.dataplane.config.Route;
import dev.weft.dataplane.config.RouteTable;
import dev.weft.dataplane.config.VirtualHost;
import dev.weft.dataplane.ratelimit.LocalRateLimitConfig;
import dev.weft.dataplane.ratelimit.TokenBucket;
import dev.weft.dataplane.routing.CompiledRoute;
import dev.weft.proxy.http.HttpExchange;
import dev.weft.proxy.http.HttpFilter;
import dev.weft.proxy.http.LocalReply;
import dev.weft.proxy.http.ResponseFlag;
import dev.weft.proxy.telemetry.ResilienceStats;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.AsciiString;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Envoy's {@code envoy.filters.http.local_ratelimit} on one listener: after authorization, before fault injection and
 * the router. The request's route decides the bucket — the route's own config when it has one (it replaces the
 * listener's, as in Envoy), else the listener's; no bucket, no limit. A request that finds the bucket empty is
 * answered with the configured status (429), body {@code local_rate_limited} and flag {@code RL}; with
 * DRAFT_VERSION_03 headers every response it judged carries {@code x-ratelimit-limit/remaining/reset}.
 */
public final class LocalRateLimitFilter implements HttpFilter {
    static final AsciiString LIMIT = dev.weft.proxy.http.TrustedHeaderNames.of("x-ratelimit-limit");
    static final AsciiString REMAINING = dev.weft.proxy.http.TrustedHeaderNames.of("x-ratelimit-remaining");
    static final AsciiString RESET = dev.weft.proxy.http.TrustedHeaderNames.of("x-ratelimit-reset");
    static final AsciiString ENVOY_RATELIMITED = dev.weft.proxy.http.TrustedHeaderNames.of("x-envoy-ratelimited");

    /** One config with its bucket and counters, resolved when the view is compiled. */
    private record Limiter(LocalRateLimitConfig config, TokenBucket bucket, ResilienceStats.RateLimitCounters counters) {}

    private final Limiter listenerLimiter;
    private final Map<Route, Limiter> routeLimiters;

    private LocalRateLimitFilter(Limiter listenerLimiter, Map<Route, Limiter> routeLimiters) {
        this.listenerLimiter = listenerLimiter;
        this.routeLimiters = routeLimiters;
    }

    /**
     * The filter of a listener whose connection manager has the local rate limit filter, or null when it has not.
     * {@code table} is the listener's route table (inline or RDS), null until it arrives; {@code used} collects the
     * bucket keys so the caller can drop buckets no listener uses any more.
     */
    public static LocalRateLimitFilter of(ListenerConfig listener, RouteTable table, RateLimitBuckets buckets,
                                          ResilienceStats stats, Set<Object> used) {
        LocalRateLimitConfig own = listener.http().localRateLimit();
        if (own == null) {
            return null;
        }
        String prefix = own.statPrefix();
        Limiter listenerLimiter = limiter(listener.name(), "", own, prefix, buckets, stats, used);
        Map<Route, Limiter> routes = new IdentityHashMap<>();
        if (table != null) {
            for (VirtualHost vh : table.virtualHosts()) {
                for (int i = 0; i < vh.routes().size(); i++) {
                    Route r = vh.routes().get(i);
                    if (r.localRateLimit() != null) {
                        routes.put(r, limiter(listener.name(), table.name() + "/" + vh.name() + "/" + i + "/"
                                + r.name(), r.localRateLimit(), prefix, buckets, stats, used));
                    }
                }
            }
        }
        return new LocalRateLimitFilter(listenerLimiter, routes);
    }

    private static Limiter limiter(String listener, String scope, LocalRateLimitConfig config, String listenerPrefix,
                                   RateLimitBuckets buckets, ResilienceStats stats, Set<Object> used) {
        if (config.bucket() == null) {
            // filter_enabled is 0 (the parser requires a bucket otherwise): a route with it still replaces the
            // listener's config, so it must map to a limiter that never judges, not to "fall back to the listener"
            return new Limiter(config, null, null);
        }
        String prefix = config.statPrefix().isEmpty() ? listenerPrefix : config.statPrefix();
        return new Limiter(config, buckets.bucket(listener, scope, config.bucket(), used), stats.rateLimit(prefix));
    }

    @Override
    public LocalReply onRequest(HttpExchange exchange) {
        CompiledRoute route = exchange.resolveRoute();
        Limiter limiter = route == null || routeLimiters.isEmpty() ? null : routeLimiters.get(route.route());
        if (limiter == null) {
            limiter = listenerLimiter;
        }
        if (limiter == null || limiter.bucket() == null || !limiter.config().drawEnabled()) {
            return null;
        }
        limiter.counters().enabled.increment();
        long remaining = limiter.bucket().tryTake();
        if (limiter.config().rateLimitHeaders()) {
            // what the response reports, kept on the record without an object per request
            exchange.record().rateLimitState = limiter;
            exchange.record().rateLimitRemaining = Math.max(0, remaining);
        }
        if (remaining >= 0) {
            limiter.counters().ok.increment();
            return null;
        }
        limiter.counters().rateLimited.increment();
        if (!limiter.config().drawEnforced()) {
            return null; // counted, not refused (filter_enforced below 100%)
        }
        limiter.counters().enforced.increment();
        return LocalReply.failure(limiter.config().status(), ResponseFlag.RL, LocalRateLimitConfig.LIMITED_BODY);
    }

    @Override
    public void onResponse(HttpExchange exchange, HttpResponse response) {
        HttpHeaders headers = response.headers();
        if (exchange.record().responseFlag == ResponseFlag.RL) {
            headers.set(ENVOY_RATELIMITED, "true");
        }
        if (exchange.record().rateLimitState instanceof Limiter limiter) {
            TokenBucket bucket = limiter.bucket();
            headers.set(LIMIT, Long.toString(bucket.maxTokens()));
            headers.set(REMAINING, Long.toString(exchange.record().rateLimitRemaining));
            // whole seconds until tokens are added again, rounded up (Envoy's draft-03 header)
            headers.set(RESET, Long.toString((bucket.nanosUntilNextFill() + 999_999_999L) / 1_000_000_000L));
        }
    }
}
