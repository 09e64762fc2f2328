package dev.weft.dataplane.cluster;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ketama-style consistent hashing: each host owns points on a 64-bit ring in proportion to its weight (at least
 * {@code minRingSize} points in total); a request goes to the first point at or after its hash. Adding or removing a host moves only that host's share of keys.
 */
public final class RingHashLoadBalancer implements LoadBalancer {
    static final long DEFAULT_MIN_RING_SIZE = 1024;
    static final long MAX_RING_SIZE = 8 * 1024 * 1024;

    /** Ring points, sign-flipped so signed order equals unsigned hash order. */
    private final long[] points;
    private final UpstreamHost[] owners;
    private final int distinctHosts;

    public RingHashLoadBalancer(List<UpstreamHost> hosts, long minRingSize) {
        this(hosts, minRingSize, 0);
    }

    /** {@code maxRingSize} 0 means the default (8M); the ring never exceeds it, even at the cost of min size. */
    public RingHashLoadBalancer(List<UpstreamHost> hosts, long minRingSize, long maxRingSize) {
        this.distinctHosts = hosts.size();
        long max = maxRingSize <= 0 ? MAX_RING_SIZE : Math.min(maxRingSize, MAX_RING_SIZE);
        long min = Math.min(minRingSize <= 0 ? DEFAULT_MIN_RING_SIZE : minRingSize, max);
        record Point(long key, UpstreamHost host) {}
        List<Point> ring = new ArrayList<>();
        if (!hosts.isEmpty()) {
            long[] w = Weights.of(hosts);
            long sum = 0;
            for (long x : w) {
                sum += x;
            }
            double pointsPerWeight = pointsPerWeight(sum, min, max);
            for (int i = 0; i < hosts.size(); i++) {
                UpstreamHost host = hosts.get(i);
                long count = Math.max(1, (long) (pointsPerWeight * w[i])); // floor: never above the maximum
                StringBuilder key = new StringBuilder(host.address()).append('_');
                int prefix = key.length();
                for (long n = 0; n < count; n++) {
                    key.setLength(prefix);
                    key.append(n);
                    ring.add(new Point(HashKeys.hashKey(key) ^ Long.MIN_VALUE, host));
                }
            }
        }
        ring.sort(Comparator.comparingLong(Point::key));
        this.points = new long[ring.size()];
        this.owners = new UpstreamHost[ring.size()];
        for (int i = 0; i < points.length; i++) {
            points[i] = ring.get(i).key();
            owners[i] = ring.get(i).host();
        }
    }

    /**
     * Points per unit of weight: a power of two large enough for {@code minRingSize} points in total. Rounding up to
     * a power of two keeps it unchanged as hosts come and go, so a host keeps its points and adding a host moves only
     * the keys it takes over (Envoy rescales every host instead, which moves more). Capped at the maximum ring size.
     */
    static double pointsPerWeight(long weightSum, long minRingSize, long maxRingSize) {
        long needed = Math.max(1, (minRingSize + weightSum - 1) / weightSum);
        long perWeight = Long.highestOneBit(needed) == needed ? needed : Long.highestOneBit(needed) << 1;
        return perWeight * (double) weightSum > maxRingSize ? (double) maxRingSize / weightSum : perWeight;
    }

    int ringSize() {
        return points.length;
    }

    @Override
    public UpstreamHost pick(LbContext context) {
        int len = points.length;
        if (len == 0) {
            return null;
        }
        long hash = context.hasHash() ? context.hash() : ThreadLocalRandom.current().nextLong();
        int i = Arrays.binarySearch(points, hash ^ Long.MIN_VALUE);
        if (i < 0) {
            i = -i - 1;
        }
        if (i == len) {
            i = 0;
        }
        UpstreamHost host = owners[i];
        if (host == context.exclude() && distinctHosts > 1) {
            // The next distinct host clockwise, as a retry in Envoy's ring hash would find.
            for (int step = 1; step < len && host == context.exclude(); step++) {
                host = owners[(i + step) % len];
            }
        }
        return host;
    }
}
