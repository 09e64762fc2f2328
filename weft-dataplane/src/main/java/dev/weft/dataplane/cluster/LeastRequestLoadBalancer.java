package dev.weft.dataplane.cluster;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Power of two choices: draw two hosts (by weight) and take the one with fewer active requests per unit of weight.
 * Cheap, lock-free and, unlike a global minimum, does not herd every proxy onto the same idle host.
 */
public final class LeastRequestLoadBalancer implements LoadBalancer {
    private final UpstreamHost[] hosts;
    private final long[] weights;
    private final RandomLoadBalancer.WeightedChooser chooser;
    private final boolean uniform;

    public LeastRequestLoadBalancer(List<UpstreamHost> hosts) {
        this(hosts, Weights.of(hosts));
    }

    /** Over {@code weights} (one per host, e.g. slow-start adjusted) instead of the endpoints' own. */
    public LeastRequestLoadBalancer(List<UpstreamHost> hosts, long[] weights) {
        this.hosts = hosts.toArray(UpstreamHost[]::new);
        this.weights = weights;
        this.chooser = new RandomLoadBalancer.WeightedChooser(weights);
        this.uniform = weights.length == 0 || Weights.allEqual(weights);
    }

    @Override
    public UpstreamHost pick(LbContext context) {
        int n = hosts.length;
        if (n == 0) {
            return null;
        }
        if (n == 1) {
            return hosts[0];
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int a = chooser.choose(random);
        int b;
        if (uniform) {
            b = (a + 1 + random.nextInt(n - 1)) % n; // a distinct second choice
        } else {
            b = chooser.choose(random);
            for (int tries = 0; tries < 2 && b == a; tries++) {
                b = chooser.choose(random);
            }
        }
        UpstreamHost exclude = context.exclude();
        if (hosts[a] == exclude) {
            return hosts[b] != exclude ? hosts[b] : hosts[(a + 1) % n];
        }
        if (hosts[b] == exclude) {
            return hosts[a];
        }
        // Compare (active + 1) / weight without dividing.
        long loadA = (hosts[a].activeRequests() + 1L) * weights[b];
        long loadB = (hosts[b].activeRequests() + 1L) * weights[a];
        return loadB < loadA ? hosts[b] : hosts[a];
    }
}
