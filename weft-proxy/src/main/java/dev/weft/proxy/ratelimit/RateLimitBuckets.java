package dev.weft.proxy.ratelimit;

import dev.weft.dataplane.ratelimit.LocalRateLimitConfig;
import dev.weft.dataplane.ratelimit.TokenBucket;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A proxy's token buckets, one per listener and scope (the listener's own, or one route's), shared by all of its
 * event loops as Envoy's local rate limit is per proxy. A new config snapshot takes the bucket it had before when
 * the listener, the scope and the bucket's settings are unchanged, so an unrelated push does not refill every bucket;
 * changed settings start a new, full bucket.
 */
public final class RateLimitBuckets {
    private record Key(String listener, String scope, LocalRateLimitConfig.Bucket spec) {}

    private final Map<Key, TokenBucket> buckets = new ConcurrentHashMap<>();

    /** The bucket for {@code scope} of {@code listener} with these settings, created full when new. */
    TokenBucket bucket(String listener, String scope, LocalRateLimitConfig.Bucket spec, Set<Object> used) {
        Key key = new Key(listener, scope, spec);
        used.add(key);
        return buckets.computeIfAbsent(key, k -> new TokenBucket(spec));
    }

    /** Forgets the buckets a compiled view no longer uses (called with the keys it used, after it is built). */
    public void retainOnly(Set<Object> used) {
        buckets.keySet().retainAll(used);
    }

    int size() {
        return buckets.size();
    }
}
