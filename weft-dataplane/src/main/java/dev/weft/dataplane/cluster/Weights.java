package dev.weft.dataplane.cluster;

import java.util.List;

/** Endpoint weights as load balancers use them. */
final class Weights {
    private Weights() {}

    static long[] of(List<UpstreamHost> hosts) {
        long[] w = new long[hosts.size()];
        for (int i = 0; i < w.length; i++) {
            w[i] = Math.max(1, hosts.get(i).endpoint().weight());
        }
        return w;
    }

    static boolean allEqual(long[] w) {
        for (long x : w) {
            if (x != w[0]) {
                return false;
            }
        }
        return true;
    }

    /** Weights divided by their gcd and, if they still sum above {@code maxTotal}, scaled down (each at least 1). */
    static long[] scaled(List<UpstreamHost> hosts, long maxTotal) {
        long[] w = of(hosts);
        long g = 0;
        for (long x : w) {
            g = gcd(g, x);
        }
        long total = 0;
        for (int i = 0; i < w.length; i++) {
            w[i] /= g;
            total += w[i];
        }
        if (total > maxTotal) {
            for (int i = 0; i < w.length; i++) {
                w[i] = Math.max(1, Math.round((double) w[i] * maxTotal / total));
            }
        }
        return w;
    }

    private static long gcd(long a, long b) {
        while (b != 0) {
            long t = a % b;
            a = b;
            b = t;
        }
        return a;
    }
}
