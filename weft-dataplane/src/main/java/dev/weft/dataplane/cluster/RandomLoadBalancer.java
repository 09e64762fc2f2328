package dev.weft.dataplane.cluster;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** Weighted random choice in constant time (alias method). */
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

    /**
     * Index choice proportional to weight in constant time, by Vose's alias method: column {@code i} is drawn
     * uniformly, then kept with probability {@code keep[i]} or replaced by {@code alias[i]}. A binary search over
     * cumulative weights cost about 7 unpredictable branches for 100 hosts; this costs one. Uniform without a table
     * when all weights are equal.
     */
    static final class WeightedChooser {
        private final double[] keep;
        private final int[] alias;
        private final boolean uniform;
        private final int n;

        WeightedChooser(long[] weights) {
            int n = weights.length;
            this.n = n;
            this.uniform = n == 0 || Weights.allEqual(weights);
            this.keep = new double[uniform ? 0 : n];
            this.alias = new int[uniform ? 0 : n];
            if (uniform) {
                return;
            }
            double total = 0;
            for (long w : weights) {
                total += w;
            }
            double[] scaled = new double[n]; // mean 1
            int[] small = new int[n];
            int[] large = new int[n];
            int smallCount = 0;
            int largeCount = 0;
            for (int i = 0; i < n; i++) {
                scaled[i] = weights[i] * n / total;
                if (scaled[i] < 1.0) {
                    small[smallCount++] = i;
                } else {
                    large[largeCount++] = i;
                }
            }
            while (smallCount > 0 && largeCount > 0) {
                int s = small[--smallCount];
                int l = large[--largeCount];
                keep[s] = scaled[s];
                alias[s] = l;
                scaled[l] = (scaled[l] + scaled[s]) - 1.0; // l gave column s the share s lacked
                if (scaled[l] < 1.0) {
                    small[smallCount++] = l;
                } else {
                    large[largeCount++] = l;
                }
            }
            // What is left is 1 up to rounding: those columns always keep their own index.
            while (largeCount > 0) {
                int l = large[--largeCount];
                keep[l] = 1.0;
                alias[l] = l;
            }
            while (smallCount > 0) {
                int s = small[--smallCount];
                keep[s] = 1.0;
                alias[s] = s;
            }
        }

        int choose(ThreadLocalRandom random) {
            int i = random.nextInt(n);
            if (uniform) {
                return i;
            }
            return random.nextDouble() < keep[i] ? i : alias[i];
        }
    }
}
