package dev.weft.dataplane.telemetry;

import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * Istio's standard HTTP/gRPC request metrics of one proxy: {@code istio_requests_total},
 * {@code istio_request_duration_milliseconds}, {@code istio_request_bytes} and {@code istio_response_bytes}, one
 * series per {@link RequestLabels}. Thread-safe and lock-free on the recording path.
 */
public final class RequestMetrics {
    /** At most this many label sets; further ones are counted in a per-reporter/code overflow series. */
    public static final int MAX_SERIES = 5000;

    private static final int METRICS = StandardMetric.REQUEST_COUNT.bit() | StandardMetric.REQUEST_DURATION.bit()
            | StandardMetric.REQUEST_SIZE.bit() | StandardMetric.RESPONSE_SIZE.bit();

    private final LabelledSeries<Series> series = new LabelledSeries<>(MAX_SERIES, Series::new);

    /** One label set's counters. */
    static final class Series extends LabelledSeries.Series {
        final LongAdder requests = new LongAdder();
        final FixedHistogram durationMs = new FixedHistogram(FixedHistogram.ISTIO_DURATION_MS);
        final FixedHistogram requestBytes = new FixedHistogram(FixedHistogram.ISTIO_BYTES);
        final FixedHistogram responseBytes = new FixedHistogram(FixedHistogram.ISTIO_BYTES);

        Series(RequestLabels key) {
            super(key.render());
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
        s.markRecorded(enabled & METRICS);
    }

    /** Requests recorded under exactly this label set (for tests and the demo summary). */
    public long requests(RequestLabels labels) {
        Series s = series.find(labels);
        return s == null ? 0 : s.requests.sum();
    }

    public int seriesCount() {
        return series.size();
    }

    /** Appends the four metric families in Prometheus text format, series in a stable order. */
    public void writePrometheus(StringBuilder out) {
        List<Series> all = series.sorted();
        PrometheusText.type(out, "istio_requests_total", "counter", "Requests handled, by source, destination and response.");
        for (Series s : all) {
            if (s.recorded(StandardMetric.REQUEST_COUNT)) {
                PrometheusText.sample(out, "istio_requests_total", s.labels, s.requests.sum());
            }
        }
        PrometheusText.type(out, "istio_request_duration_milliseconds", "histogram", "Request duration.");
        for (Series s : all) {
            if (s.recorded(StandardMetric.REQUEST_DURATION)) {
                s.durationMs.write(out, "istio_request_duration_milliseconds", s.labels);
            }
        }
        PrometheusText.type(out, "istio_request_bytes", "histogram", "Request body sizes.");
        for (Series s : all) {
            if (s.recorded(StandardMetric.REQUEST_SIZE)) {
                s.requestBytes.write(out, "istio_request_bytes", s.labels);
            }
        }
        PrometheusText.type(out, "istio_response_bytes", "histogram", "Response body sizes.");
        for (Series s : all) {
            if (s.recorded(StandardMetric.RESPONSE_SIZE)) {
                s.responseBytes.write(out, "istio_response_bytes", s.labels);
            }
        }
        PrometheusText.type(out, "weft_telemetry_series_overflow_total", "counter",
                "Requests counted in an overflow series because the label-set bound was reached.");
        PrometheusText.sample(out, "weft_telemetry_series_overflow_total", "", series.overflowed());
    }
}
