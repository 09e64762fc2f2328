package dev.weft.dataplane.cluster;

import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Maglev consistent hashing (Eisenbud et al., NSDI 2016): a lookup table of prime size filled by each host's own
 * permutation, hosts taking turns in proportion to their weight. Lookups are one array access; adding a host moves
 * close to the minimal share of keys.
 */
public final class MaglevLoadBalancer implements LoadBalancer {
    public static final int DEFAULT_TABLE_SIZE = 65537;
    private static final long OFFSET_SEED = 0;
    private static final long SKIP_SEED = 0x5bd1e995L;

    private final UpstreamHost[] table;
    private final int distinctHosts;

    public MaglevLoadBalancer(List<UpstreamHost> hosts, long tableSize) {
        int m = tableSize <= 0 ? DEFAULT_TABLE_SIZE : Math.toIntExact(tableSize);
        this.distinctHosts = hosts.size();
        if (hosts.isEmpty()) {
            this.table = new UpstreamHost[0];
            return;
        }
        // Sorted so the table depends only on the set of hosts, not the order endpoints arrived in.
        List<UpstreamHost> sorted = hosts.stream().sorted(Comparator.comparing(UpstreamHost::address)).toList();
        int n = sorted.size();
        long[] offset = new long[n];
        long[] skip = new long[n];
        long[] weight = Weights.of(sorted);
        long maxWeight = 0;
        for (int i = 0; i < n; i++) {
            String key = sorted.get(i).address();
            offset[i] = Long.remainderUnsigned(HashKeys.hashKey(key, OFFSET_SEED), m);
            skip[i] = Long.remainderUnsigned(HashKeys.hashKey(key, SKIP_SEED), m - 1) + 1;
            maxWeight = Math.max(maxWeight, weight[i]);
        }
        long[] next = new long[n];
        long[] target = new long[n];
        java.util.Arrays.fill(target, maxWeight);
        UpstreamHost[] t = new UpstreamHost[m];
        int filled = 0;
        for (long iteration = 1; filled < m; iteration++) {
            for (int i = 0; i < n && filled < m; i++) {
                // A host takes a turn whenever its weight has earned one: weight/maxWeight turns per iteration.
                if (iteration * weight[i] < target[i]) {
                    continue;
                }
                target[i] += maxWeight;
                int c = (int) ((offset[i] + skip[i] * next[i]) % m);
                while (t[c] != null) {
                    next[i]++;
                    c = (int) ((offset[i] + skip[i] * next[i]) % m);
                }
                t[c] = sorted.get(i);
                next[i]++;
                filled++;
            }
        }
        this.table = t;
    }

    int tableSize() {
        return table.length;
    }

    @Override
    public UpstreamHost pick(LbContext context) {
        int m = table.length;
        if (m == 0) {
            return null;
        }
        long hash = context.hasHash() ? context.hash() : ThreadLocalRandom.current().nextLong();
        int i = (int) Long.remainderUnsigned(hash, m);
        UpstreamHost host = table[i];
        if (host == context.exclude() && distinctHosts > 1) {
            for (int step = 1; step < m && host == context.exclude(); step++) {
                host = table[(i + step) % m];
            }
        }
        return host;
    }
}
