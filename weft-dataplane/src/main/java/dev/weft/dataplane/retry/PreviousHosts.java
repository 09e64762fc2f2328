package dev.weft.dataplane.retry;

import dev.weft.dataplane.cluster.Cluster;
import dev.weft.dataplane.cluster.LbContext;
import dev.weft.dataplane.cluster.UpstreamHost;
import java.util.Arrays;

/**
 * The hosts one request has tried, and Envoy's host selection for a retry under the {@code previous_hosts}
 * predicate: the load balancer picks (avoiding the last host), and a pick that is any host already tried is redone up
 * to {@code host_selection_retry_max_attempts} times; after that a healthy host not tried yet is taken if one exists
 * (Envoy would take the last pick), else the last pick, so a cluster whose every host was tried still gets the retry. Made only for requests that retry; lives on the exchange's event loop.
 */
public final class PreviousHosts {
    private UpstreamHost[] tried = new UpstreamHost[3];
    private int count;

    public void add(UpstreamHost host) {
        if (contains(host)) {
            return;
        }
        if (count == tried.length) {
            tried = Arrays.copyOf(tried, count * 2);
        }
        tried[count++] = host;
    }

    public boolean contains(UpstreamHost host) {
        for (int i = 0; i < count; i++) {
            if (tried[i] == host) {
                return true;
            }
        }
        return false;
    }

    public int size() {
        return count;
    }

    /**
     * The host for the next try. {@code last} is avoided by the balancer itself; each re-pick of a hashing balancer
     * moves to another point of its ring ({@code hash} mixed with the re-pick number), as Envoy's ring hash and
     * Maglev do for retries.
     */
    public UpstreamHost pick(Cluster cluster, UpstreamHost last, long hash, boolean hasHash, int maxReselections) {
        UpstreamHost host = null;
        for (int i = 0; i <= maxReselections; i++) {
            long h = hasHash && i > 0 ? mix(hash + i) : hash;
            host = cluster.pick(new LbContext(h, hasHash, last));
            if (host == null || !contains(host)) {
                return host;
            }
        }
        // Weft goes one step further than Envoy: random re-picks can all miss the one host left, so look for it
        for (UpstreamHost candidate : cluster.hosts()) {
            if (candidate.endpoint().healthy() && !candidate.outlier().isEjected() && !contains(candidate)) {
                return candidate;
            }
        }
        return host;
    }

    /** SplitMix64's finaliser: spreads consecutive inputs over the whole ring. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
