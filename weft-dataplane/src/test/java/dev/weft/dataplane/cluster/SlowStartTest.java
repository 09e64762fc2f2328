package dev.weft.dataplane.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Envoy's slow-start formula and the weights the balancers get from it, at fixed points in time. */
class SlowStartTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void weightFactorFollowsEnvoysFormula() {
        SlowStart linear = new SlowStart(Duration.ofSeconds(10), 1.0, 10);
        assertThat(linear.factor(0)).isCloseTo(0.1, within(1e-9)); // max(t, 1 s) / window, floored at 10%
        assertThat(linear.factor(SECOND / 2)).isCloseTo(0.1, within(1e-9));
        assertThat(linear.factor(3 * SECOND)).isCloseTo(0.3, within(1e-9));
        assertThat(linear.factor(9 * SECOND)).isCloseTo(0.9, within(1e-9));
        assertThat(linear.factor(10 * SECOND)).isEqualTo(1.0);
        assertThat(linear.ramping(9 * SECOND)).isTrue();
        assertThat(linear.ramping(10 * SECOND)).isFalse();

        SlowStart aggressive = new SlowStart(Duration.ofSeconds(10), 2.0, 10);
        assertThat(aggressive.factor(SECOND)).isCloseTo(Math.sqrt(0.1), within(1e-9)); // (t/window)^(1/aggression)
        assertThat(aggressive.factor(4 * SECOND)).isCloseTo(Math.sqrt(0.4), within(1e-9));

        SlowStart gentle = new SlowStart(Duration.ofSeconds(10), 0.5, 25);
        assertThat(gentle.factor(2 * SECOND)).isCloseTo(0.25, within(1e-9)); // 0.2^2 = 0.04 < 25%
        assertThat(gentle.factor(7 * SECOND)).isCloseTo(0.49, within(1e-9));
    }

    /** Joined {@code joinedAt}; the old host of each test joined a minute before the fresh one. */
    private static UpstreamHost host(int i, long joinedAt) {
        return new UpstreamHost(new dev.weft.dataplane.config.Endpoint("10.0.0." + i, 8080, 1, true, false, Map.of()),
                joinedAt);
    }

    @Test
    void aNewHostsShareOfARoundRobinScheduleRampsUp() {
        long joined = 1_000 * SECOND;
        UpstreamHost old = host(1, joined - 60 * SECOND);
        UpstreamHost fresh = host(2, joined);
        List<UpstreamHost> hosts = List.of(old, fresh);
        SlowStart slowStart = new SlowStart(Duration.ofSeconds(10), 1.0, 10);
        double[] expectedShares = {0.1 / 1.1, 0.2 / 1.2, 0.5 / 1.5, 0.8 / 1.8, 0.5};
        int[] seconds = {0, 2, 5, 8, 10};
        for (int k = 0; k < seconds.length; k++) {
            int second = seconds[k];
            long now = joined + second * SECOND;
            long secondsIn = second;
            long[] w = Weights.effective(hosts, slowStart, now);
            RoundRobinLoadBalancer lb = new RoundRobinLoadBalancer(hosts, w);
            Map<UpstreamHost, Integer> counts = LoadBalancerTest.count(lb, 10_000, false);
            double share = counts.getOrDefault(fresh, 0) / 10_000.0;
            double f = slowStart.factor(now - joined);
            assertThat(f / (1 + f)).isCloseTo(expectedShares[k], within(1e-9));
            assertThat(share).as("share %d s in (factor %.2f)", secondsIn, f).isCloseTo(expectedShares[k],
                    within(0.01));
        }
    }

    @Test
    void leastRequestWeighsAHostInSlowStartLess() {
        long joined = 1_000 * SECOND;
        UpstreamHost old = host(1, joined - 60 * SECOND);
        UpstreamHost fresh = host(2, joined);
        List<UpstreamHost> hosts = List.of(old, fresh);
        SlowStart slowStart = new SlowStart(Duration.ofSeconds(10), 1.0, 10);
        long now = joined + 2 * SECOND;
        long[] w = Weights.effective(hosts, slowStart, now);
        assertThat(w[1] * 1.0 / w[0]).isCloseTo(slowStart.factor(now - fresh.slowStartOriginNanos()), within(0.01));
        Map<UpstreamHost, Integer> counts = LoadBalancerTest.count(new LeastRequestLoadBalancer(hosts, w), 10_000, false);
        assertThat(counts.getOrDefault(fresh, 0)).as("picks of the warming host").isLessThan(counts.get(old) / 2);
    }

    @Test
    void withoutHostsInTheirWindowTheWeightsAreTheEndpoints() {
        List<UpstreamHost> hosts = LoadBalancerTest.hosts(3, 1);
        long later = hosts.get(1).slowStartOriginNanos() + 30 * SECOND;
        assertThat(Weights.effective(hosts, new SlowStart(Duration.ofSeconds(10), 1.0, 10), later))
                .containsExactly(3, 1);
        assertThat(Weights.effective(hosts, null, later)).containsExactly(3, 1);
    }
}
