package dev.weft.dataplane.xds;

import com.google.protobuf.Any;
import dev.weft.dataplane.ratelimit.LocalRateLimitConfig;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit;
import io.envoyproxy.envoy.type.v3.TokenBucket;
import java.time.Duration;

/**
 * Envoy {@code LocalRateLimit} → {@link LocalRateLimitConfig}, for the listener's filter and a route's
 * {@code typed_per_filter_config}. Weft applies a token bucket with enabled/enforced fractions, the status and the
 * DRAFT_VERSION_03 {@code x-ratelimit-*} headers; descriptors, extra headers, per-connection buckets, cluster-wide
 * limits and the rest are NACKed naming the field rather than silently ignored.
 */
final class LocalRateLimitParser {
    static final String FILTER_NAME = LocalRateLimitConfig.FILTER;
    static final String TYPE = TypedAny.url("envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit");
    /** Envoy refuses shorter fill intervals for the local rate limit. */
    private static final Duration MIN_FILL_INTERVAL = Duration.ofMillis(50);

    private LocalRateLimitParser() {}

    /** @param perRoute a route's config (an empty stat_prefix is allowed there, as in Envoy's examples) */
    static LocalRateLimitConfig parse(Any any, boolean perRoute, Rejector reject, String path)
            throws ResourceRejectedException {
        if (!TYPE.equals(any.getTypeUrl())) {
            throw reject.at(path, "expected " + TYPE + ", got " + any.getTypeUrl());
        }
        LocalRateLimit l = TypedAny.unpack(any, TYPE, LocalRateLimit.parser(), reject, path);
        LocalRateLimit rest = l.toBuilder().clearStatPrefix().clearStatus().clearTokenBucket().clearFilterEnabled()
                .clearFilterEnforced().clearEnableXRatelimitHeaders().build();
        if (!rest.equals(LocalRateLimit.getDefaultInstance())) {
            String field = TypedAny.firstSetField(rest);
            throw reject.at(path + "." + field, "not supported");
        }
        if (l.getStatPrefix().isEmpty() && !perRoute) {
            throw reject.at(path + ".stat_prefix", "must not be empty");
        }
        LocalRateLimitConfig.Bucket bucket = l.hasTokenBucket()
                ? bucket(l.getTokenBucket(), reject, path + ".token_bucket") : null;
        int enabled = fraction(l.hasFilterEnabled() ? l.getFilterEnabled() : null, reject, path + ".filter_enabled");
        int enforced = fraction(l.hasFilterEnforced() ? l.getFilterEnforced() : null, reject, path + ".filter_enforced");
        if (bucket == null && enabled > 0) {
            throw reject.at(path + ".token_bucket", "required when filter_enabled is set");
        }
        int status = l.hasStatus() ? l.getStatus().getCodeValue() : LocalRateLimitConfig.DEFAULT_STATUS;
        if (status > 599) {
            throw reject.at(path + ".status.code", "not an HTTP status: " + status);
        }
        if (status < 400) {
            status = LocalRateLimitConfig.DEFAULT_STATUS; // Envoy: "if this is set to < 400, 429 will be used"
        }
        boolean headers = switch (l.getEnableXRatelimitHeaders()) {
            case OFF -> false;
            case DRAFT_VERSION_03 -> true;
            default -> throw reject.at(path + ".enable_x_ratelimit_headers", "unknown version "
                    + l.getEnableXRatelimitHeadersValue());
        };
        return new LocalRateLimitConfig(l.getStatPrefix(), bucket, enabled, enforced, status, headers);
    }

    private static LocalRateLimitConfig.Bucket bucket(TokenBucket b, Rejector reject, String path)
            throws ResourceRejectedException {
        long max = Integer.toUnsignedLong(b.getMaxTokens());
        if (max == 0) {
            throw reject.at(path + ".max_tokens", "must be greater than 0");
        }
        long perFill = b.hasTokensPerFill() ? Integer.toUnsignedLong(b.getTokensPerFill().getValue()) : 1;
        if (perFill == 0) {
            throw reject.at(path + ".tokens_per_fill", "must be greater than 0");
        }
        if (!b.hasFillInterval()) {
            throw reject.at(path + ".fill_interval", "required");
        }
        Duration interval = RouteConfigurationParser.duration(b.getFillInterval(), reject, path + ".fill_interval");
        if (interval.compareTo(MIN_FILL_INTERVAL) < 0) {
            throw reject.at(path + ".fill_interval", "must be at least 50ms, got " + interval.toMillis() + "ms");
        }
        return new LocalRateLimitConfig.Bucket(max, perFill, interval.toNanos());
    }

    /** A runtime fraction's default value in parts per million (Weft has no runtime: the key is ignored); unset: 0. */
    private static int fraction(RuntimeFractionalPercent f, Rejector reject, String path)
            throws ResourceRejectedException {
        if (f == null) {
            return 0;
        }
        var p = f.getDefaultValue();
        long scale = switch (p.getDenominator()) {
            case HUNDRED -> 10_000;
            case TEN_THOUSAND -> 100;
            case MILLION -> 1;
            default -> throw reject.at(path + ".default_value.denominator", "unknown denominator " + p.getDenominator());
        };
        return (int) Math.min(Integer.toUnsignedLong(p.getNumerator()) * scale, LocalRateLimitConfig.MILLION);
    }
}
