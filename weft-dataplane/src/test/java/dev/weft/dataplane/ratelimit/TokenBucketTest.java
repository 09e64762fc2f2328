package dev.weft.dataplane.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

/** The lock-free token bucket: starts full, refills by whole intervals from the clock, never over-grants. */
class TokenBucketTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void startsFullRefillsPerIntervalAndCapsAtMax() {
        AtomicLong now = new AtomicLong(5 * SECOND);
        TokenBucket b = new TokenBucket(new LocalRateLimitConfig.Bucket(3, 2, SECOND), now::get);
        assertThat(b.tryTake()).isEqualTo(2);
        assertThat(b.tryTake()).isEqualTo(1);
        assertThat(b.tryTake()).isEqualTo(0);
        assertThat(b.tryTake()).isEqualTo(-1);
        now.addAndGet(SECOND - 1); // not yet a whole interval
        assertThat(b.tryTake()).isEqualTo(-1);
        assertThat(b.nanosUntilNextFill()).isEqualTo(1);
        now.addAndGet(1); // one fill: +2
        assertThat(b.available()).isEqualTo(2);
        assertThat(b.tryTake()).isEqualTo(1);
        now.addAndGet(100 * SECOND); // a long pause: full again, never above max
        assertThat(b.available()).isEqualTo(3);
        assertThat(b.tryTake()).isEqualTo(2);
        assertThat(b.nanosUntilNextFill()).isEqualTo(SECOND);
    }

    @Test
    void hugeBucketsAndGapsDoNotOverflow() {
        AtomicLong now = new AtomicLong();
        TokenBucket b = new TokenBucket(new LocalRateLimitConfig.Bucket(0xFFFF_FFFFL, 0xFFFF_FFFFL, 50_000_000L), now::get);
        assertThat(b.tryTake()).isEqualTo(0xFFFF_FFFFL - 1);
        now.addAndGet(Integer.MAX_VALUE * 50_000_000L);
        assertThat(b.tryTake()).isEqualTo(0xFFFF_FFFFL - 1);
    }

    @Test
    void concurrentTakersGetExactlyTheTokensThereAre() throws Exception {
        TokenBucket b = new TokenBucket(new LocalRateLimitConfig.Bucket(10_000, 1, 3600 * SECOND)); // no refill
        LongAdder granted = new LongAdder();
        int threads = 4;
        CountDownLatch start = new CountDownLatch(1);
        Thread[] ts = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            ts[t] = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 5_000; i++) {
                    if (b.tryTake() >= 0) {
                        granted.increment();
                    }
                }
            });
            ts[t].start();
        }
        start.countDown();
        for (Thread t : ts) {
            t.join();
        }
        assertThat(granted.sum()).isEqualTo(10_000);
        assertThat(b.tryTake()).isEqualTo(-1);
    }
}
