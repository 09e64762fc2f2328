package dev.weft.dataplane.ratelimit;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A token bucket shared by every event loop of a proxy, without locks or a refill timer: one {@link AtomicLong}
 * holds the number of the last fill interval seen (high 32 bits, counted from the bucket's creation) and the tokens
 * left (low 32 bits). Taking a token first adds the fills that elapsed since that interval — computed from the
 * clock — then decrements, in one compare-and-set. Fills happen at whole intervals after creation, as Envoy's timer
 * would add them.
 */
public final class TokenBucket {
    private static final long LOW32 = 0xFFFF_FFFFL;

    private final long maxTokens;
    private final long tokensPerFill;
    private final long intervalNanos;
    private final long originNanos;
    private final LongSupplier clock;
    private final AtomicLong state;

    public TokenBucket(LocalRateLimitConfig.Bucket spec) {
        this(spec, System::nanoTime);
    }

    /** With a clock of nanoseconds (tests). */
    public TokenBucket(LocalRateLimitConfig.Bucket spec, LongSupplier clock) {
        this.maxTokens = Math.min(spec.maxTokens(), LOW32);
        this.tokensPerFill = Math.max(1, spec.tokensPerFill());
        this.intervalNanos = Math.max(1, spec.fillIntervalNanos());
        this.clock = clock;
        this.originNanos = clock.getAsLong();
        this.state = new AtomicLong(maxTokens); // interval 0, full
    }

    /** Takes one token: returns the tokens left after taking it, or -1 when the bucket is empty. */
    public long tryTake() {
        long interval = (clock.getAsLong() - originNanos) / intervalNanos;
        while (true) {
            long s = state.get();
            long seen = s >>> 32;
            long tokens = s & LOW32;
            // intervals wrap at 2^32 (years at >= 50ms each); a thread with an older clock reading adds nothing
            int elapsed = (int) ((interval & LOW32) - seen);
            if (elapsed > 0) {
                tokens = refilled(tokens, elapsed);
                seen = interval & LOW32;
            }
            if (tokens == 0) {
                return -1;
            }
            if (state.compareAndSet(s, seen << 32 | (tokens - 1))) {
                return tokens - 1;
            }
        }
    }

    /** Tokens available now (refills counted), without taking one. */
    public long available() {
        long interval = (clock.getAsLong() - originNanos) / intervalNanos;
        long s = state.get();
        int elapsed = (int) ((interval & LOW32) - (s >>> 32));
        long tokens = s & LOW32;
        return elapsed > 0 ? refilled(tokens, elapsed) : tokens;
    }

    /** {@code tokens} after {@code fills} fills, capped at the maximum (no overflow however long the gap). */
    private long refilled(long tokens, int fills) {
        long fillsToFull = (maxTokens - tokens + tokensPerFill - 1) / tokensPerFill;
        return fills >= fillsToFull ? maxTokens : tokens + fills * tokensPerFill;
    }

    /** Nanoseconds until the next fill. */
    public long nanosUntilNextFill() {
        return intervalNanos - Math.floorMod(clock.getAsLong() - originNanos, intervalNanos);
    }

    public long maxTokens() {
        return maxTokens;
    }
}
