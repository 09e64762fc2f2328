package dev.weft.dataplane.routing;

import dev.weft.dataplane.config.RouteAction.WeightedCluster;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** Chooses among weighted clusters in proportion to their weights, with one random draw and a binary search. */
public final class WeightedClusterPicker {
    private final WeightedCluster[] clusters;
    private final long[] cumulative;
    private final long total;

    public WeightedClusterPicker(List<WeightedCluster> weighted) {
        if (weighted.isEmpty()) {
            throw new IllegalArgumentException("a forwarding route needs at least one cluster");
        }
        this.clusters = weighted.toArray(WeightedCluster[]::new);
        this.cumulative = new long[clusters.length];
        long sum = 0;
        for (int i = 0; i < clusters.length; i++) {
            sum += Math.max(0, clusters[i].weight());
            cumulative[i] = sum;
        }
        this.total = sum;
    }

    public WeightedCluster pick() {
        if (clusters.length == 1 || total == 0) {
            return clusters[0];
        }
        return pick(ThreadLocalRandom.current().nextLong(total));
    }

    /** The cluster owning {@code draw}, a number in [0, total weight). */
    public WeightedCluster pick(long draw) {
        int lo = 0;
        int hi = cumulative.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (draw < cumulative[mid]) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return clusters[lo];
    }

    public long totalWeight() {
        return total;
    }
}
