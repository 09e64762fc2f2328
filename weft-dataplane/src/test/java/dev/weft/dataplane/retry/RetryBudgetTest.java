package dev.weft.dataplane.retry;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryBudgetTest {
    @Test
    void retriesInFlightAreCappedByShareOfActiveRequestsWithAFloor() {
        ClusterTraffic traffic = new ClusterTraffic(new RetryRatioBudget(1.0, 100)); // the ratio budget out of the way
        RetryBudget budget = RetryBudget.DEFAULT;
        for (int i = 0; i < 40; i++) {
            traffic.requestStarted();
        }
        int granted = 0;
        for (int i = 0; i < 20; i++) {
            granted += traffic.tryStartRetry(budget, true) ? 1 : 0;
        }
        assertThat(granted).isEqualTo(8); // 20% of 40
        assertThat(traffic.retriesDenied()).isEqualTo(12);
        traffic.retryEnded();
        assertThat(traffic.tryStartRetry(budget, true)).isTrue();
        assertThat(traffic.tryStartRetry(budget, false)).as("a request's later retries keep its slot").isTrue();

        ClusterTraffic quiet = new ClusterTraffic(new RetryRatioBudget(1.0, 100));
        quiet.requestStarted();
        assertThat(quiet.tryStartRetry(budget, true) && quiet.tryStartRetry(budget, true)
                && quiet.tryStartRetry(budget, true)).as("the floor of 3").isTrue();
        assertThat(quiet.tryStartRetry(budget, true)).isFalse();
    }

    @Test
    void retriesOverTheWindowStayWithinTheRatioPlusTheFloor() {
        ClusterTraffic traffic = new ClusterTraffic(); // 20%, 3 per second over 10 s
        RetryBudget unbounded = new RetryBudget(100, 1_000_000);
        int requests = 1000;
        int retries = 0;
        for (int i = 0; i < requests; i++) {
            traffic.requestStarted();
            // a total outage: every request asks for two retries
            for (int r = 0; r < 2; r++) {
                retries += traffic.tryStartRetry(unbounded, r == 0) ? 1 : 0;
            }
            traffic.requestEnded();
        }
        long floor = 3L * RetryRatioBudget.windowSeconds();
        assertThat(retries).isEqualTo(requests / 5 + floor); // 200 + 30
        assertThat(traffic.recentRetries()).isEqualTo(retries);
        assertThat(traffic.recentRequests()).isEqualTo(requests);
        assertThat(traffic.retriesDenied()).isEqualTo(2L * requests - retries);

        ClusterTraffic quiet = new ClusterTraffic();
        int quietRetries = 0;
        for (int i = 0; i < 50; i++) {
            quiet.requestStarted();
            quietRetries += quiet.tryStartRetry(unbounded, true) ? 1 : 0;
        }
        assertThat(quietRetries).as("a quiet cluster retries on the floor").isEqualTo(50 / 5 + 30);
    }

    @Test
    void theWindowForgetsWhatIsOlderThanTenSeconds() {
        SlidingWindowCounter counter = new SlidingWindowCounter(0);
        long second = 1_000_000_000L;
        for (int i = 0; i < 5; i++) {
            counter.increment(0);
        }
        counter.increment(3 * second);
        assertThat(counter.sum(3 * second)).isEqualTo(6);
        assertThat(counter.sum(9 * second + 999)).isEqualTo(6);
        assertThat(counter.sum(10 * second)).as("second 0 left the window").isEqualTo(1);
        counter.increment(10 * second); // reuses second 0's slot
        assertThat(counter.sum(10 * second)).isEqualTo(2);
        assertThat(counter.sum(13 * second)).isEqualTo(1);
        assertThat(counter.sum(30 * second)).isZero();
    }

    @Test
    void backoffIsJitteredBelowAnExponentialCeiling() {
        for (int i = 0; i < 200; i++) {
            assertThat(Backoff.delayMillis(1, null, null)).isBetween(0L, 25L);
            assertThat(Backoff.delayMillis(2, null, null)).isBetween(0L, 50L);
            assertThat(Backoff.delayMillis(10, Duration.ofMillis(25), null)).isBetween(0L, 250L);
        }
    }

    @Test
    void policyConditionsFollowEnvoy() {
        RetryPolicy gateway = new RetryPolicy(2, Duration.ZERO, java.util.Set.of(RetryOn.GATEWAY_ERROR),
                java.util.Set.of(), Duration.ZERO, Duration.ZERO, true);
        assertThat(gateway.retriesStatus(503)).isTrue();
        assertThat(gateway.retriesStatus(500)).isFalse();
        assertThat(gateway.retriesConnectFailure()).isTrue();
        RetryPolicy codes = new RetryPolicy(2, Duration.ZERO, java.util.Set.of(RetryOn.RETRIABLE_STATUS_CODES,
                RetryOn.RETRIABLE_4XX), java.util.Set.of(429), Duration.ZERO, Duration.ZERO, true);
        assertThat(codes.retriesStatus(429)).isTrue();
        assertThat(codes.retriesStatus(409)).isTrue();
        assertThat(codes.retriesStatus(503)).isFalse();
        assertThat(codes.retriesConnectFailure()).isFalse();
        RetryPolicy refused = new RetryPolicy(1, Duration.ZERO, java.util.Set.of(RetryOn.REFUSED_STREAM),
                java.util.Set.of(), Duration.ZERO, Duration.ZERO, false);
        assertThat(refused.retriesReset(false)).isTrue();
        assertThat(refused.retriesReset(true)).isFalse();
        RetryPolicy grpc = new RetryPolicy(1, Duration.ZERO, java.util.Set.of(RetryOn.UNAVAILABLE,
                RetryOn.CANCELLED, RetryOn.RETRIABLE_STATUS_CODES), java.util.Set.of(503), Duration.ZERO,
                Duration.ZERO, true);
        assertThat(grpc.retriesGrpcStatus(14)).isTrue();
        assertThat(grpc.retriesGrpcStatus(1)).isTrue();
        assertThat(grpc.retriesGrpcStatus(4)).as("deadline-exceeded not asked for").isFalse();
        assertThat(grpc.retriesGrpcStatus(0)).isFalse();
        assertThat(grpc.retriesAnyGrpcStatus()).isTrue();
        assertThat(gateway.retriesAnyGrpcStatus()).isFalse();
        RetryPolicy all = new RetryPolicy(1, Duration.ZERO, java.util.Set.of(RetryOn.DEADLINE_EXCEEDED,
                RetryOn.RESOURCE_EXHAUSTED, RetryOn.INTERNAL), java.util.Set.of(), Duration.ZERO, Duration.ZERO, true);
        assertThat(all.retriesGrpcStatus(4) && all.retriesGrpcStatus(8) && all.retriesGrpcStatus(13)).isTrue();
        assertThat(all.retriesGrpcStatus(14)).isFalse();
    }
}
