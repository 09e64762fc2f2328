package dev.weft.proxy.telemetry;

import dev.weft.dataplane.telemetry.PrometheusText;
import dev.weft.dataplane.telemetry.Workload;
import dev.weft.proxy.http.HttpExchange;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;

/**
 * Distributed tracing in the proxy: every request gets a span of its own. The caller's trace context (W3C or B3) is
 * continued, or a new trace started when there is none; the sampling decision is the caller's, or made here at the
 * configured rate for new traces. The upstream request carries this span as its parent, so an application that
 * forwards the trace headers from its inbound request to its outbound calls yields one connected trace. Sampled
 * spans go to the {@link SpanExporter}, which never blocks the request path.
 */
final class Tracing implements AutoCloseable {
    private static final HexFormat HEX = HexFormat.of();

    private final String serviceName;
    private final String nodeId;
    private final double samplingFraction;
    private final SpanExporter exporter;
    private final LongAdder started = new LongAdder();
    private final LongAdder sampled = new LongAdder();

    /** A span in progress. */
    static final class Span {
        final String traceId;
        final String spanId;
        final String parentSpanId;
        final boolean sampled;
        final long startEpochMicros;

        Span(String traceId, String spanId, String parentSpanId, boolean sampled) {
            this.traceId = traceId;
            this.spanId = spanId;
            this.parentSpanId = parentSpanId;
            this.sampled = sampled;
            this.startEpochMicros = System.currentTimeMillis() * 1000;
        }
    }

    Tracing(Workload self, String nodeId, TelemetryOptions options) {
        // Istio names a proxy's spans after the workload's canonical service and namespace
        this.serviceName = self.canonicalService() + "." + self.namespace();
        this.nodeId = nodeId;
        this.samplingFraction = options.tracingSamplingPercent() / 100.0;
        this.exporter = options.tracingEndpoint() == null ? null
                : new SpanExporter(options.tracingEndpoint(), options.tracingFormat(), serviceName);
    }

    /** Continues or starts the trace and rewrites the trace headers for the upstream request. */
    Span onRequest(HttpHeaders headers, TrafficDirection direction) {
        return onRequest(headers, direction, samplingFraction);
    }

    /** As above, sampling new traces at {@code samplingFraction} (a listener's Telemetry setting). */
    Span onRequest(HttpHeaders headers, TrafficDirection direction, double samplingFraction) {
        started.increment();
        TraceHeaders.Incoming in = TraceHeaders.read(headers);
        ThreadLocalRandom random = ThreadLocalRandom.current();
        String spanId = randomId(random);
        Span span;
        if (in == null) {
            boolean sample = samplingFraction > 0 && random.nextDouble() < samplingFraction;
            span = new Span(hex(random.nextLong(), random.nextLong() | 1), spanId, null, sample);
            // a new trace: W3C plus B3 headers, so applications of either kind can forward it
            TraceHeaders.write(headers, span.traceId, spanId, null, sample, true, false);
        } else {
            boolean sample = in.sampled() != null ? in.sampled()
                    : samplingFraction > 0 && random.nextDouble() < samplingFraction;
            span = new Span(in.traceId(), spanId, in.parentSpanId(), sample);
            TraceHeaders.write(headers, span.traceId, spanId, in.parentSpanId(), sample, in.b3Multi(), in.b3Single());
        }
        if (span.sampled) {
            sampled.increment();
        }
        return span;
    }

    private static String randomId(ThreadLocalRandom random) {
        return HEX.toHexDigits(random.nextLong() | 1); // never all zeros (invalid in W3C)
    }

    private static final byte[] DIGITS = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** A 128-bit trace id as 32 lower-case hex digits, written in one buffer (not two strings and a concatenation). */
    static String hex(long high, long low) {
        byte[] out = new byte[32];
        for (int i = 15; i >= 0; i--) {
            out[i] = DIGITS[(int) (high & 0xF)];
            out[i + 16] = DIGITS[(int) (low & 0xF)];
            high >>>= 4;
            low >>>= 4;
        }
        return new String(out, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    void onComplete(Span span, HttpExchange exchange, TelemetryFilter.RequestState state, long durationNanos,
                    TrafficDirection direction) {
        if (!span.sampled || exporter == null) {
            return;
        }
        ExchangeRecord record = exchange.record();
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("http.method", state.method);
        tags.put("http.url", "http://" + state.authority + state.path);
        tags.put("http.protocol", state.protocol);
        tags.put("http.status_code", Integer.toString(record.responseCode));
        tags.put("response_flags", record.responseFlag == null ? "-" : record.responseFlag.name());
        tags.put("request_size", Long.toString(record.requestBytes));
        tags.put("response_size", Long.toString(record.responseBytes));
        tags.put("node_id", nodeId);
        tags.put("component", "proxy");
        if (record.upstreamCluster != null) {
            tags.put("upstream_cluster", record.upstreamCluster);
        }
        if (record.upstreamHost != null) {
            tags.put("upstream_address", record.upstreamHost.address());
        }
        String requestId = exchange.requestHeaders().get("x-request-id");
        if (requestId != null) {
            tags.put("guid:x-request-id", requestId);
        }
        boolean error = record.responseCode == 0 || record.responseCode >= 500;
        // Envoy names a proxy span after the upstream cluster or host and path
        String name = (state.authority == null ? "" : state.authority) + pathOnly(state.path);
        exporter.offer(new SpanExporter.FinishedSpan(span.traceId, span.spanId, span.parentSpanId, name,
                direction == TrafficDirection.INBOUND, span.startEpochMicros, Math.max(1, durationNanos / 1000), error,
                tags));
    }

    private static String pathOnly(String path) {
        if (path == null) {
            return "";
        }
        int q = path.indexOf('?');
        return q < 0 ? path : path.substring(0, q);
    }

    void writePrometheus(StringBuilder out) {
        PrometheusText.type(out, "weft_tracing_spans_started_total", "counter", "Requests given a span.");
        PrometheusText.sample(out, "weft_tracing_spans_started_total", "", started.sum());
        PrometheusText.type(out, "weft_tracing_spans_sampled_total", "counter", "Spans sampled for export.");
        PrometheusText.sample(out, "weft_tracing_spans_sampled_total", "", sampled.sum());
        if (exporter != null) {
            exporter.writePrometheus(out);
        }
    }

    @Override
    public void close() {
        if (exporter != null) {
            exporter.close();
        }
    }
}
