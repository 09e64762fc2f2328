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

    /** Fixed-point scale of slow-start weights: a ramping host's share is resolved to 1/1000 of its weight. */
    static final long SLOW_START_SCALE = 1000;

    /**
     * The weights to balance by at {@code nowNanos}: the endpoints' weights, each scaled by its slow-start factor
     * while the host ramps up ({@code slowStart} null: the plain weights).
     */
    static long[] effective(List<UpstreamHost> hosts, SlowStart slowStart, long nowNanos) {
        if (slowStart == null || !anyRamping(hosts, slowStart, nowNanos)) {
            return of(hosts);
        }
        long[] w = of(hosts);
        for (int i = 0; i < w.length; i++) {
            double factor = slowStart.factor(nowNanos - hosts.get(i).slowStartOriginNanos());
            w[i] = Math.max(1, Math.round(w[i] * SLOW_START_SCALE * factor));
        }
        return w;
    }

    static boolean anyRamping(List<UpstreamHost> hosts, SlowStart slowStart, long nowNanos) {
        if (slowStart == null) {
            return false;
        }
        for (UpstreamHost h : hosts) {
            if (slowStart.ramping(nowNanos - h.slowStartOriginNanos())) {
                return true;
            }
        }
        return false;
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
        return scaled(of(hosts), maxTotal);
    }

    /** Like {@link #scaled(List, long)} over given weights (changed in place and returned). */
    static long[] scaled(long[] w, long maxTotal) {
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
