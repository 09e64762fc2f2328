package dev.weft.dataplane.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/** The constant-time weighted choice must follow the weights exactly in expectation, for any mix of weights. */
class WeightedChooserTest {

    @Test
    void sharesFollowMixedWeightsOverManyHosts() {
        long[] weights = new long[100];
        long total = 0;
        for (int i = 0; i < weights.length; i++) {
            weights[i] = i % 10 == 0 ? 40 : 1 + (i % 5); // a few heavy hosts among light ones
            total += weights[i];
        }
        int[] counts = draw(new RandomLoadBalancer.WeightedChooser(weights), weights.length, 2_000_000);
        for (int i = 0; i < weights.length; i++) {
            assertThat(counts[i] / 2_000_000.0).as("share of host %d (weight %d)", i, weights[i])
                    .isCloseTo(weights[i] / (double) total, within(0.0015));
        }
    }

    @Test
    void extremeWeightsAndSingleHost() {
        long[] weights = {1, 1_000_000, 1};
        int[] counts = draw(new RandomLoadBalancer.WeightedChooser(weights), 3, 1_000_000);
        assertThat(counts[1]).isGreaterThan(999_000);
        assertThat(draw(new RandomLoadBalancer.WeightedChooser(new long[] {7}), 1, 1000)[0]).isEqualTo(1000);
    }

    @Test
    void equalWeightsAreUniform() {
        int[] counts = draw(new RandomLoadBalancer.WeightedChooser(new long[] {3, 3, 3, 3}), 4, 400_000);
        for (int c : counts) {
            assertThat(c / 400_000.0).isCloseTo(0.25, within(0.005));
        }
    }

    private static int[] draw(RandomLoadBalancer.WeightedChooser chooser, int n, int picks) {
        int[] counts = new int[n];
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; i < picks; i++) {
            counts[chooser.choose(random)]++;
        }
        return counts;
    }
}
