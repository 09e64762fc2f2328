package dev.weft.dataplane.telemetry;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Istio's standard HTTP/gRPC request metrics of one proxy: {@code istio_requests_total},
 * {@code istio_request_duration_milliseconds}, {@code istio_request_bytes} and {@code istio_response_bytes}, one
 * series per {@link RequestLabels}. Thread-safe and lock-free on the recording path.
 */
public final class RequestMetrics {
    /** At most this many label sets; further ones are counted in a per-reporter/code overflow series. */
    public static final int MAX_SERIES = 5000;

    private final ConcurrentHashMap<RequestLabels, Series> series = new ConcurrentHashMap<>();
    private final LongAdder overflowed = new LongAdder();

    /** One label set's counters. */
    static final class Series {
        final String labels;
        final LongAdder requests = new LongAdder();
        final FixedHistogram durationMs = new FixedHistogram(FixedHistogram.ISTIO_DURATION_MS);
        final FixedHistogram requestBytes = new FixedHistogram(FixedHistogram.ISTIO_BYTES);
        final FixedHistogram responseBytes = new FixedHistogram(FixedHistogram.ISTIO_BYTES);
        /** The metrics ever recorded in this series: a disabled metric's series is not exported. */
        final java.util.concurrent.atomic.AtomicInteger recorded = new java.util.concurrent.atomic.AtomicInteger();

        Series(RequestLabels key) {
            this.labels = key.render();
        }
    }

    /** Records one finished request. */
    public void record(RequestLabels labels, double durationMillis, long requestBodyBytes, long responseBodyBytes) {
        record(labels, durationMillis, requestBodyBytes, responseBodyBytes, StandardMetric.ALL);
    }

    /** As above, recording only the metrics in {@code enabled} ({@link StandardMetric} bits; Telemetry API). */
    public void record(RequestLabels labels, double durationMillis, long requestBodyBytes, long responseBodyBytes,
                       int enabled) {
        Series s = series.get(labels);
        if (s == null) {
            s = create(labels);
        }
        if (StandardMetric.REQUEST_COUNT.in(enabled)) {
            s.requests.increment();
        }
        if (StandardMetric.REQUEST_DURATION.in(enabled)) {
            s.durationMs.record(durationMillis);
        }
        if (StandardMetric.REQUEST_SIZE.in(enabled)) {
            s.requestBytes.record(requestBodyBytes);
        }
        if (StandardMetric.RESPONSE_SIZE.in(enabled)) {
            s.responseBytes.record(responseBodyBytes);
        }
        int used = enabled & (StandardMetric.REQUEST_COUNT.bit() | StandardMetric.REQUEST_DURATION.bit()
                | StandardMetric.REQUEST_SIZE.bit() | StandardMetric.RESPONSE_SIZE.bit());
        if ((s.recorded.get() & used) != used) {
            s.recorded.getAndAccumulate(used, (a, b) -> a | b); // once per series and mask: not on the hot path
        }
    }

    private Series create(RequestLabels labels) {
        if (series.size() >= MAX_SERIES) {
            overflowed.increment();
            return series.computeIfAbsent(RequestLabels.overflow(labels), Series::new);
        }
        return series.computeIfAbsent(labels, Series::new);
    }

    /** Requests recorded under exactly this label set (for tests and the demo summary). */
    public long requests(RequestLabels labels) {
        Series s = series.get(labels);
        return s == null ? 0 : s.requests.sum();
    }

    public int seriesCount() {
        return series.size();
    }

    /** Appends the four metric families in Prometheus text format, series in a stable order. */
    public void writePrometheus(StringBuilder out) {
        List<Series> all = new ArrayList<>(series.values());
        all.sort(Comparator.comparing(s -> s.labels));
        PrometheusText.type(out, "istio_requests_total", "counter", "Requests handled, by source, destination and response.");
        for (Series s : all) {
            if (StandardMetric.REQUEST_COUNT.in(s.recorded.get())) {
                PrometheusText.sample(out, "istio_requests_total", s.labels, s.requests.sum());
            }
        }
        PrometheusText.type(out, "istio_request_duration_milliseconds", "histogram", "Request duration.");
        for (Series s : all) {
            if (StandardMetric.REQUEST_DURATION.in(s.recorded.get())) {
                s.durationMs.write(out, "istio_request_duration_milliseconds", s.labels);
            }
        }
        PrometheusText.type(out, "istio_request_bytes", "histogram", "Request body sizes.");
        for (Series s : all) {
            if (StandardMetric.REQUEST_SIZE.in(s.recorded.get())) {
                s.requestBytes.write(out, "istio_request_bytes", s.labels);
            }
        }
        PrometheusText.type(out, "istio_response_bytes", "histogram", "Response body sizes.");
        for (Series s : all) {
            if (StandardMetric.RESPONSE_SIZE.in(s.recorded.get())) {
                s.responseBytes.write(out, "istio_response_bytes", s.labels);
            }
        }
        PrometheusText.type(out, "weft_telemetry_series_overflow_total", "counter",
                "Requests counted in an overflow series because the label-set bound was reached.");
        PrometheusText.sample(out, "weft_telemetry_series_overflow_total", "", overflowed.sum());
    }
}
