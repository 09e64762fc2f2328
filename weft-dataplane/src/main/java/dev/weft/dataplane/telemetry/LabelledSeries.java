package dev.weft.dataplane.telemetry;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * The series of one metric group, one per {@link RequestLabels}, bounded: past {@code max} label sets a new one is
 * counted in its overflow series ({@link RequestLabels#overflow}). Lookup of an existing series is one lock-free map
 * read; creating one happens once per label set.
 */
final class LabelledSeries<S extends LabelledSeries.Series> {
    /** A label set's counters and the metrics ever recorded in it (a disabled metric's series is not exported). */
    abstract static class Series {
        final String labels;
        private final AtomicInteger recorded = new AtomicInteger();

        Series(String labels) {
            this.labels = labels;
        }

        /** Whether {@code metric} was ever recorded in this series. */
        final boolean recorded(StandardMetric metric) {
            return metric.in(recorded.get());
        }

        /** Notes the {@link StandardMetric} bits {@code used}: a plain read unless a bit is new to this series. */
        final void markRecorded(int used) {
            if ((recorded.get() & used) != used) {
                recorded.getAndAccumulate(used, (a, b) -> a | b); // once per series and mask: not on the hot path
            }
        }
    }

    private final ConcurrentHashMap<RequestLabels, S> series = new ConcurrentHashMap<>();
    private final LongAdder overflowed = new LongAdder();
    private final int max;
    private final Function<RequestLabels, S> create;

    LabelledSeries(int max, Function<RequestLabels, S> create) {
        this.max = max;
        this.create = create;
    }

    /** The series of {@code labels}, created (or its overflow series, past the bound) on first use. */
    S get(RequestLabels labels) {
        S s = series.get(labels);
        return s != null ? s : create(labels);
    }

    private S create(RequestLabels labels) {
        if (series.size() >= max) {
            overflowed.increment();
            return series.computeIfAbsent(RequestLabels.overflow(labels), create);
        }
        return series.computeIfAbsent(labels, create);
    }

    /** The series of exactly {@code labels}, or null when none was recorded. */
    S find(RequestLabels labels) {
        return series.get(labels);
    }

    int size() {
        return series.size();
    }

    /** Records that found the bound reached and went to an overflow series. */
    long overflowed() {
        return overflowed.sum();
    }

    /** All series in their rendered labels' order, for a stable export. */
    List<S> sorted() {
        List<S> all = new ArrayList<>(series.values());
        all.sort(Comparator.comparing(s -> s.labels));
        return all;
    }
}
