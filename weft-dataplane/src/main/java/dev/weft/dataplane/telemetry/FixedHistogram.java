package dev.weft.dataplane.telemetry;

import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * A Prometheus histogram with fixed upper bounds: one {@link LongAdder} per bucket (not cumulative; summed when
 * written), so recording from many threads is exact and lock-free.
 */
public final class FixedHistogram {
    /** Istio's buckets for {@code istio_request_duration_milliseconds}. */
    public static final double[] ISTIO_DURATION_MS = {0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000,
            30000, 60000, 300000, 600000, 1800000, 3600000};
    /** Istio's buckets for {@code istio_request_bytes} and {@code istio_response_bytes}. */
    public static final double[] ISTIO_BYTES = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
            1000000000};

    private final double[] bounds;
    private final LongAdder[] counts; // counts[bounds.length] is +Inf
    private final DoubleAdder sum = new DoubleAdder();

    public FixedHistogram(double[] bounds) {
        this.bounds = bounds;
        this.counts = new LongAdder[bounds.length + 1];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    public void record(double value) {
        counts[bucketOf(value)].increment();
        sum.add(value);
    }

    /** The first bucket whose upper bound is >= value (Prometheus' {@code le}). */
    int bucketOf(double value) {
        int lo = 0;
        int hi = bounds.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (bounds[mid] >= value) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    /** Writes the _bucket, _sum and _count lines; count is the sum of the buckets read, so they agree. */
    public void write(StringBuilder out, String name, String labels) {
        long cumulative = 0;
        String bucket = name + "_bucket";
        for (int i = 0; i < counts.length; i++) {
            cumulative += counts[i].sum();
            out.append(bucket).append('{').append(labels);
            if (!labels.isEmpty()) {
                out.append(',');
            }
            out.append("le=\"");
            if (i < bounds.length) {
                PrometheusText.number(out, bounds[i]);
            } else {
                out.append("+Inf");
            }
            out.append("\"} ").append(cumulative).append('\n');
        }
        PrometheusText.sample(out, name + "_sum", labels, sum.sum());
        PrometheusText.sample(out, name + "_count", labels, cumulative);
    }

    public long count() {
        long c = 0;
        for (LongAdder a : counts) {
            c += a.sum();
        }
        return c;
    }
}
