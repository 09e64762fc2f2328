package dev.weft.dataplane.cluster;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Weighted round robin without locks: the weights are unrolled once into a smooth interleaved schedule (nginx's
 * smooth weighted round robin, so a heavy host's turns are spread out), which picks walk with one atomic counter.
 */
public final class RoundRobinLoadBalancer implements LoadBalancer {
    /** Bounds the schedule's length; larger weight sums are scaled down proportionally. */
    static final int MAX_SCHEDULE = 1 << 16;

    private final UpstreamHost[] schedule;
    private final int distinctHosts;
    private final AtomicLong next;

    public RoundRobinLoadBalancer(List<UpstreamHost> hosts) {
        this(hosts, Weights.of(hosts));
    }

    /** Over {@code weights} (one per host, e.g. slow-start adjusted) instead of the endpoints' own. */
    public RoundRobinLoadBalancer(List<UpstreamHost> hosts, long[] weights) {
        this.distinctHosts = hosts.size();
        this.schedule = buildSchedule(hosts, weights);
        // A random start so many proxies do not all hit the first host first.
        this.next = new AtomicLong(schedule.length == 0 ? 0 : ThreadLocalRandom.current().nextInt(schedule.length));
    }

    static UpstreamHost[] buildSchedule(List<UpstreamHost> hosts) {
        return buildSchedule(hosts, Weights.of(hosts));
    }

    static UpstreamHost[] buildSchedule(List<UpstreamHost> hosts, long[] hostWeights) {
        int n = hosts.size();
        if (n == 0) {
            return new UpstreamHost[0];
        }
        long[] weights = Weights.scaled(hostWeights.clone(), MAX_SCHEDULE);
        long total = 0;
        for (long w : weights) {
            total += w;
        }
        UpstreamHost[] schedule = new UpstreamHost[(int) total];
        long[] current = new long[n];
        for (int slot = 0; slot < schedule.length; slot++) {
            int best = 0;
            for (int i = 0; i < n; i++) {
                current[i] += weights[i];
                if (current[i] > current[best]) {
                    best = i;
                }
            }
            current[best] -= total;
            schedule[slot] = hosts.get(best);
        }
        return schedule;
    }

    @Override
    public UpstreamHost pick(LbContext context) {
        int len = schedule.length;
        if (len == 0) {
            return null;
        }
        UpstreamHost host = schedule[(int) Long.remainderUnsigned(next.getAndIncrement(), len)];
        UpstreamHost exclude = context.exclude();
        if (host == exclude && distinctHosts > 1) {
            for (int tries = 0; tries < len && host == exclude; tries++) {
                host = schedule[(int) Long.remainderUnsigned(next.getAndIncrement(), len)];
            }
        }
        return host;
    }
}
