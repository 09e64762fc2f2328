package dev.weft.proxy.telemetry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weft.dataplane.telemetry.PrometheusText;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends finished spans to a collector in batches from a thread of its own: OTLP/HTTP with the JSON encoding
 * ({@code POST /v1/traces}) or Zipkin v2 JSON ({@code POST /api/v2/spans}); the URL is used as given. Event loops
 * only {@link #offer} into a bounded queue; when the collector is slow or down the queue fills and further spans
 * are dropped (and counted) rather than slowing requests.
 */
final class SpanExporter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SpanExporter.class);
    static final int QUEUE_CAPACITY = 8192;
    static final int MAX_BATCH = 512;
    static final long FLUSH_INTERVAL_MILLIS = 1000;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A finished span; {@code server}: the inbound side of a hop (kind SERVER), else CLIENT. */
    record FinishedSpan(String traceId, String spanId, String parentSpanId, String name, boolean server,
                        long startEpochMicros, long durationMicros, boolean error, Map<String, String> tags) {}

    private final URI endpoint;
    private final TelemetryOptions.SpanFormat format;
    private final String serviceName;
    private final BlockingQueue<FinishedSpan> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Thread thread;
    private final LongAdder exported = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder failedBatches = new LongAdder();
    private volatile boolean closed;

    SpanExporter(URI endpoint, TelemetryOptions.SpanFormat format, String serviceName) {
        this.endpoint = endpoint;
        this.format = format;
        this.serviceName = serviceName;
        this.thread = Thread.ofPlatform().daemon().name("weft-span-exporter").start(this::run);
    }

    /** Never blocks: a full queue drops the span. */
    void offer(FinishedSpan span) {
        if (closed || !queue.offer(span)) {
            dropped.increment();
        }
    }

    private void run() {
        List<FinishedSpan> batch = new ArrayList<>(MAX_BATCH);
        while (!closed || !queue.isEmpty()) {
            try {
                FinishedSpan first = queue.poll(FLUSH_INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                // wait briefly so spans finishing together travel together
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
                while (batch.size() < MAX_BATCH) {
                    long left = deadline - System.nanoTime();
                    FinishedSpan next = left <= 0 ? queue.poll() : queue.poll(left, TimeUnit.NANOSECONDS);
                    if (next == null) {
                        break;
                    }
                    batch.add(next);
                }
                send(batch);
            } catch (InterruptedException e) {
                if (closed) {
                    send(drain(batch));
                    return;
                }
            } finally {
                batch.clear();
            }
        }
    }

    private List<FinishedSpan> drain(List<FinishedSpan> batch) {
        queue.drainTo(batch);
        return batch;
    }

    private void send(List<FinishedSpan> batch) {
        if (batch.isEmpty()) {
            return;
        }
        try {
            String body = format == TelemetryOptions.SpanFormat.ZIPKIN ? zipkin(batch) : otlp(batch);
            HttpResponse<Void> response = client.send(HttpRequest.newBuilder(endpoint)
                    .timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.discarding());
            if (response.statusCode() / 100 == 2) {
                exported.add(batch.size());
            } else {
                fail(batch, "collector answered " + response.statusCode());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail(batch, "interrupted");
        } catch (Exception e) {
            fail(batch, e.toString());
        }
    }

    private void fail(List<FinishedSpan> batch, String why) {
        failedBatches.increment();
        dropped.add(batch.size());
        if (failedBatches.sum() <= 3 || failedBatches.sum() % 100 == 0) {
            LOG.warn("could not export {} spans to {}: {}", batch.size(), endpoint, why);
        }
    }

    /** OTLP/JSON (trace and span ids as hex, as the OTLP JSON mapping requires). */
    String otlp(List<FinishedSpan> batch) throws Exception {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode resourceSpans = root.putArray("resourceSpans").addObject();
        ArrayNode resourceAttrs = resourceSpans.putObject("resource").putArray("attributes");
        attribute(resourceAttrs, "service.name", serviceName);
        ObjectNode scopeSpans = resourceSpans.putArray("scopeSpans").addObject();
        scopeSpans.putObject("scope").put("name", "weft-proxy");
        ArrayNode spans = scopeSpans.putArray("spans");
        for (FinishedSpan s : batch) {
            ObjectNode span = spans.addObject();
            span.put("traceId", s.traceId());
            span.put("spanId", s.spanId());
            if (s.parentSpanId() != null) {
                span.put("parentSpanId", s.parentSpanId());
            }
            span.put("name", s.name());
            span.put("kind", s.server() ? 2 : 3); // SPAN_KIND_SERVER, SPAN_KIND_CLIENT
            span.put("startTimeUnixNano", Long.toString(s.startEpochMicros() * 1000));
            span.put("endTimeUnixNano", Long.toString((s.startEpochMicros() + s.durationMicros()) * 1000));
            ArrayNode attrs = span.putArray("attributes");
            s.tags().forEach((k, v) -> attribute(attrs, k, v));
            span.putObject("status").put("code", s.error() ? 2 : 0); // STATUS_CODE_ERROR, STATUS_CODE_UNSET
        }
        return JSON.writeValueAsString(root);
    }

    private static void attribute(ArrayNode attrs, String key, String value) {
        ObjectNode a = attrs.addObject();
        a.put("key", key);
        a.putObject("value").put("stringValue", value == null ? "" : value);
    }

    /** Zipkin v2 JSON. */
    String zipkin(List<FinishedSpan> batch) throws Exception {
        ArrayNode spans = JSON.createArrayNode();
        for (FinishedSpan s : batch) {
            ObjectNode span = spans.addObject();
            span.put("traceId", s.traceId());
            span.put("id", s.spanId());
            if (s.parentSpanId() != null) {
                span.put("parentId", s.parentSpanId());
            }
            span.put("name", s.name());
            span.put("kind", s.server() ? "SERVER" : "CLIENT");
            span.put("timestamp", s.startEpochMicros());
            span.put("duration", s.durationMicros());
            span.putObject("localEndpoint").put("serviceName", serviceName);
            ObjectNode tags = span.putObject("tags");
            s.tags().forEach(tags::put);
            if (s.error()) {
                tags.put("error", "true");
            }
        }
        return JSON.writeValueAsString(spans);
    }

    void writePrometheus(StringBuilder out) {
        PrometheusText.type(out, "weft_tracing_spans_exported_total", "counter", "Spans the collector accepted.");
        PrometheusText.sample(out, "weft_tracing_spans_exported_total", "", exported.sum());
        PrometheusText.type(out, "weft_tracing_spans_dropped_total", "counter",
                "Spans dropped: export queue full or the collector failed.");
        PrometheusText.sample(out, "weft_tracing_spans_dropped_total", "", dropped.sum());
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
