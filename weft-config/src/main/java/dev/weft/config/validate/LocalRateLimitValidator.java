package dev.weft.config.validate;

import dev.weft.config.load.FieldPath;
import dev.weft.config.model.LocalRateLimit;
import dev.weft.config.model.LocalRateLimitSpec;
import dev.weft.config.model.LocalRateLimitSpec.RouteLimit;
import dev.weft.config.model.LocalRateLimitSpec.TokenBucket;
import dev.weft.config.model.StringMatch;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

/** The rules of Weft's LocalRateLimit that binding alone does not catch (Envoy's TokenBucket limits included). */
final class LocalRateLimitValidator {
    /** Envoy's local rate limit refuses shorter fill intervals ("too aggressive refills"). */
    static final Duration MIN_FILL_INTERVAL = Duration.ofMillis(50);
    /** Envoy's {@code max_tokens} and {@code tokens_per_fill} are uint32. */
    private static final long MAX_UINT32 = 0xFFFF_FFFFL;

    /** The 4xx/5xx codes of Envoy's {@code type.v3.StatusCode} enum (its HttpStatus accepts no others). */
    private static final Set<Integer> ENVOY_STATUS_CODES = Set.of(400, 401, 402, 403, 404, 405, 406, 407, 408, 409,
            410, 411, 412, 413, 414, 415, 416, 417, 421, 422, 423, 424, 426, 428, 429, 431, 500, 501, 502, 503,
            504, 505, 506, 507, 508, 510, 511);

    private LocalRateLimitValidator() {}

    static void validate(LocalRateLimit limit, Reporter r) {
        LocalRateLimitSpec spec = limit.spec();
        FieldPath s = FieldPath.of("spec");
        if (spec.tokenBucket() == null && spec.routes().isEmpty()) {
            r.error(s, "a LocalRateLimit needs a tokenBucket (the whole workload), routes, or both");
        }
        if (spec.selector() != null) {
            Checks.labels(r, s.field("selector").field("matchLabels"), spec.selector().matchLabels());
        }
        if (spec.tokenBucket() != null) {
            bucket(spec.tokenBucket(), s.field("tokenBucket"), r);
        }
        if (spec.statusCode() != null && (spec.statusCode() < 400 || spec.statusCode() > 599
                || !ENVOY_STATUS_CODES.contains(spec.statusCode()))) {
            r.error(s.field("statusCode"), "must be an error status Envoy's HttpStatus names (400-417, 421-424,"
                    + " 426, 428, 429, 431, 500-508, 510, 511), got " + spec.statusCode());
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < spec.routes().size(); i++) {
            RouteLimit route = spec.routes().get(i);
            FieldPath at = s.field("routes").index(i);
            Checks.dnsLabel(r, at.field("name"), "name", route.name());
            if (route.name() != null && !names.add(route.name())) {
                r.error(at.field("name"), "duplicate route name \"" + route.name() + "\"");
            }
            if (route.match() == null || route.match().uri() == null && route.match().method() == null) {
                r.error(at.field("match"), "match needs uri and/or method (a route limit for every request is"
                        + " spec.tokenBucket)");
            } else {
                match(route.match().uri(), at.field("match").field("uri"), r);
                match(route.match().method(), at.field("match").field("method"), r);
            }
            if (route.tokenBucket() == null) {
                r.error(at.field("tokenBucket"), "tokenBucket is required");
            } else {
                bucket(route.tokenBucket(), at.field("tokenBucket"), r);
            }
        }
    }

    private static void match(StringMatch m, FieldPath at, Reporter r) {
        if (m != null) {
            Checks.stringMatch(r, at, m, false);
        }
    }

    private static void bucket(TokenBucket b, FieldPath at, Reporter r) {
        if (b.maxTokens() == null) {
            r.error(at.field("maxTokens"), "maxTokens is required");
        } else {
            uint32(b.maxTokens(), at.field("maxTokens"), r);
        }
        if (b.tokensPerFill() != null) {
            uint32(b.tokensPerFill(), at.field("tokensPerFill"), r);
        }
        if (b.fillInterval() == null) {
            r.error(at.field("fillInterval"), "fillInterval is required");
        } else if (b.fillInterval().compareTo(MIN_FILL_INTERVAL) < 0) {
            r.error(at.field("fillInterval"), "must be at least 50ms (Envoy's local rate limit refuses shorter"
                    + " intervals), got " + b.fillInterval().toMillis() + "ms");
        }
    }

    private static void uint32(long n, FieldPath at, Reporter r) {
        if (n <= 0 || n > MAX_UINT32) {
            r.error(at, "must be between 1 and " + MAX_UINT32 + ", got " + n);
        }
    }
}
