package dev.weft.dataplane.retry;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryBudgetTest {
    @Test
    void retriesInFlightAreCappedByShareOfActiveRequestsWithAFloor() {
        ClusterTraffic traffic = new ClusterTraffic();
        RetryBudget budget = RetryBudget.DEFAULT;
        for (int i = 0; i < 40; i++) {
            traffic.requestStarted();
        }
        int granted = 0;
        for (int i = 0; i < 20; i++) {
            granted += traffic.tryStartRetry(budget) ? 1 : 0;
        }
        assertThat(granted).isEqualTo(8); // 20% of 40
        assertThat(traffic.retriesDenied()).isEqualTo(12);
        traffic.retryEnded();
        assertThat(traffic.tryStartRetry(budget)).isTrue();

        ClusterTraffic quiet = new ClusterTraffic();
        quiet.requestStarted();
        assertThat(quiet.tryStartRetry(budget) && quiet.tryStartRetry(budget) && quiet.tryStartRetry(budget))
                .as("the floor of 3").isTrue();
        assertThat(quiet.tryStartRetry(budget)).isFalse();
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
    }
}
