package dev.weft.dataplane.telemetry;

import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * Istio's standard TCP metrics of one proxy: {@code istio_tcp_sent_bytes_total},
 * {@code istio_tcp_received_bytes_total}, {@code istio_tcp_connections_opened_total} and
 * {@code istio_tcp_connections_closed_total}, one series per {@link RequestLabels} (request protocol {@code tcp};
 * response code and gRPC status are not labels of these metrics). Connections report deltas while open and at
 * close; recording is lock-free.
 */
public final class TcpMetrics {
    /** At most this many label sets; further ones are counted in a per-reporter overflow series. */
    public static final int MAX_SERIES = 2000;

    private static final int METRICS = StandardMetric.TCP_RECEIVED_BYTES.bit() | StandardMetric.TCP_SENT_BYTES.bit()
            | StandardMetric.TCP_OPENED_CONNECTIONS.bit() | StandardMetric.TCP_CLOSED_CONNECTIONS.bit();

    private final LabelledSeries<Series> series = new LabelledSeries<>(MAX_SERIES, Series::new);

    /** One label set's counters. */
    static final class Series extends LabelledSeries.Series {
        final LongAdder received = new LongAdder();
        final LongAdder sent = new LongAdder();
        final LongAdder opened = new LongAdder();
        final LongAdder closed = new LongAdder();

        Series(RequestLabels key) {
            super(key.render(true));
        }
    }

    /**
     * Adds one report of a connection: bytes since its previous report (received from / sent to the downstream
     * side), and whether it opened or closed since then.
     */
    public void record(RequestLabels labels, long receivedBytes, long sentBytes, boolean opened, boolean closed) {
        record(labels, receivedBytes, sentBytes, opened, closed, StandardMetric.ALL);
    }

    /** As above, recording only the metrics in {@code enabled} ({@link StandardMetric} bits; Telemetry API). */
    public void record(RequestLabels labels, long receivedBytes, long sentBytes, boolean opened, boolean closed,
                       int enabled) {
        Series s = series.get(labels);
        if (receivedBytes != 0 && StandardMetric.TCP_RECEIVED_BYTES.in(enabled)) {
            s.received.add(receivedBytes);
        }
        if (sentBytes != 0 && StandardMetric.TCP_SENT_BYTES.in(enabled)) {
            s.sent.add(sentBytes);
        }
        if (opened && StandardMetric.TCP_OPENED_CONNECTIONS.in(enabled)) {
            s.opened.increment();
        }
        if (closed && StandardMetric.TCP_CLOSED_CONNECTIONS.in(enabled)) {
            s.closed.increment();
        }
        s.markRecorded(enabled & METRICS);
    }

    /** Connections opened under exactly this label set (tests). */
    public long opened(RequestLabels labels) {
        Series s = series.find(labels);
        return s == null ? 0 : s.opened.sum();
    }

    public int seriesCount() {
        return series.size();
    }

    /** Appends the four metric families in Prometheus text format, series in a stable order. */
    public void writePrometheus(StringBuilder out) {
        List<Series> all = series.sorted();
        counter(out, all, "istio_tcp_sent_bytes_total", "Bytes sent to the downstream side of TCP connections.",
                StandardMetric.TCP_SENT_BYTES, s -> s.sent.sum());
        counter(out, all, "istio_tcp_received_bytes_total",
                "Bytes received from the downstream side of TCP connections.", StandardMetric.TCP_RECEIVED_BYTES,
                s -> s.received.sum());
        counter(out, all, "istio_tcp_connections_opened_total", "TCP connections opened.",
                StandardMetric.TCP_OPENED_CONNECTIONS, s -> s.opened.sum());
        counter(out, all, "istio_tcp_connections_closed_total", "TCP connections closed.",
                StandardMetric.TCP_CLOSED_CONNECTIONS, s -> s.closed.sum());
        PrometheusText.type(out, "weft_telemetry_tcp_series_overflow_total", "counter",
                "TCP connection reports counted in an overflow series because the label-set bound was reached.");
        PrometheusText.sample(out, "weft_telemetry_tcp_series_overflow_total", "", series.overflowed());
    }

    /** One counter family: the series that ever recorded {@code metric} (a disabled metric exports none). */
    private static void counter(StringBuilder out, List<Series> all, String name, String help, StandardMetric metric,
                                java.util.function.ToLongFunction<Series> value) {
        PrometheusText.type(out, name, "counter", help);
        for (Series s : all) {
            if (s.recorded(metric)) {
                PrometheusText.sample(out, name, s.labels, value.applyAsLong(s));
            }
        }
    }
}
