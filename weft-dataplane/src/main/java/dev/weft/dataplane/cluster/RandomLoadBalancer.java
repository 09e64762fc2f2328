package dev.weft.dataplane.cluster;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** Weighted random choice: a binary search over cumulative weights. */
public final class RandomLoadBalancer implements LoadBalancer {
    private final UpstreamHost[] hosts;
    private final WeightedChooser chooser;

    public RandomLoadBalancer(List<UpstreamHost> hosts) {
        this.hosts = hosts.toArray(UpstreamHost[]::new);
        this.chooser = new WeightedChooser(Weights.of(hosts));
    }

    @Override
    public UpstreamHost pick(LbContext context) {
        if (hosts.length == 0) {
            return null;
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        UpstreamHost host = hosts[chooser.choose(random)];
        if (host == context.exclude() && hosts.length > 1) {
            for (int tries = 0; tries < 4 && host == context.exclude(); tries++) {
                host = hosts[chooser.choose(random)];
            }
            for (int i = 0; host == context.exclude() && i < hosts.length; i++) {
                host = hosts[i];
            }
        }
        return host;
    }

    /** Index choice proportional to weight; uniform without a search when all weights are equal. */
    static final class WeightedChooser {
        private final long[] cumulative;
        private final boolean uniform;

        WeightedChooser(long[] weights) {
            this.uniform = weights.length == 0 || Weights.allEqual(weights);
            this.cumulative = new long[weights.length];
            long sum = 0;
            for (int i = 0; i < weights.length; i++) {
                sum += weights[i];
                cumulative[i] = sum;
            }
        }

        int choose(ThreadLocalRandom random) {
            int n = cumulative.length;
            if (uniform) {
                return random.nextInt(n);
            }
            long r = random.nextLong(cumulative[n - 1]);
            int i = Arrays.binarySearch(cumulative, r + 1);
            return i >= 0 ? i : -i - 1;
        }
    }
}
