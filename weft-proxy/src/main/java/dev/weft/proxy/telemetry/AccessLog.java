package dev.weft.proxy.telemetry;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.weft.dataplane.telemetry.PrometheusText;
import dev.weft.proxy.http.HttpExchange;
import java.io.BufferedWriter;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Access log lines, Envoy's default text format or JSON with Envoy's command operator names as keys, written to
 * stdout or a file. An event loop formats the line and offers it to a bounded queue; a thread of its own writes
 * through a buffer and flushes whenever the queue runs dry. A full queue (a stalled disk) drops lines and counts
 * them instead of blocking requests.
 *
 * <p>Text format (Envoy's default):
 * {@code [%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE%
 * %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%
 * "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"}
 */
final class AccessLog implements AutoCloseable {
    static final int QUEUE_CAPACITY = 16384;
    private static final DateTimeFormatter START_TIME = DateTimeFormatter.ISO_INSTANT;

    private final TelemetryOptions.AccessLogFormat format;
    private final Writer out;
    private final BlockingQueue<String> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final Thread thread;
    private final LongAdder written = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private volatile boolean closed;
    private final boolean toStdout;

    private AccessLog(TelemetryOptions.AccessLogFormat format, Writer out, boolean toStdout) {
        this.toStdout = toStdout;
        this.format = format;
        this.out = out;
        this.thread = Thread.ofPlatform().daemon().name("weft-access-log").start(this::run);
    }

    /** A log to stdout, for listeners whose Telemetry turns logging on when the proxy has no --access-log. */
    static AccessLog stdout(TelemetryOptions.AccessLogFormat format) {
        Writer writer = new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), StandardCharsets.UTF_8);
        return new AccessLog(format, new BufferedWriter(writer, 64 * 1024), true);
    }

    static AccessLog open(TelemetryOptions options) throws IOException {
        Writer writer;
        if (options.accessLogToStdout()) {
            writer = new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), StandardCharsets.UTF_8);
        } else {
            Path file = options.accessLogFile();
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        }
        return new AccessLog(options.accessLogFormat(), new BufferedWriter(writer, 64 * 1024), options.accessLogToStdout());
    }

    void log(HttpExchange exchange, TelemetryFilter.RequestState state, long durationNanos) {
        log(exchange, state, durationNanos, format);
    }

    /** As above, in {@code format} (a listener's Telemetry may choose another than the proxy's flag). */
    void log(HttpExchange exchange, TelemetryFilter.RequestState state, long durationNanos,
             TelemetryOptions.AccessLogFormat format) {
        String line = format == TelemetryOptions.AccessLogFormat.JSON ? json(exchange, state, durationNanos)
                : text(exchange, state, durationNanos);
        if (closed || !queue.offer(line)) {
            dropped.increment();
        }
    }

    static String text(HttpExchange exchange, TelemetryFilter.RequestState state, long durationNanos) {
        ExchangeRecord r = exchange.record();
        var headers = exchange.requestHeaders();
        StringBuilder sb = new StringBuilder(256);
        sb.append('[').append(START_TIME.format(Instant.ofEpochMilli(r.startEpochMillis))).append("] \"")
                .append(state.method).append(' ').append(state.path).append(' ').append(state.protocol).append("\" ")
                .append(r.responseCode).append(' ')
                .append(r.responseFlag == null ? "-" : r.responseFlag.name()).append(' ')
                .append(r.requestBytes).append(' ')
                .append(r.responseBytes).append(' ')
                .append(durationNanos / 1_000_000).append(' ')
                .append('-').append(' ') // x-envoy-upstream-service-time: not measured separately
                .append('"').append(orDash(headers.get("x-forwarded-for"))).append("\" \"")
                .append(orDash(headers.get("user-agent"))).append("\" \"")
                .append(orDash(headers.get("x-request-id"))).append("\" \"")
                .append(orDash(state.authority)).append("\" \"")
                .append(r.upstreamHost == null ? "-" : r.upstreamHost.address()).append('"');
        return sb.toString();
    }

    static String json(HttpExchange exchange, TelemetryFilter.RequestState state, long durationNanos) {
        ExchangeRecord r = exchange.record();
        var headers = exchange.requestHeaders();
        StringBuilder sb = new StringBuilder(384).append('{');
        field(sb, "start_time", START_TIME.format(Instant.ofEpochMilli(r.startEpochMillis)));
        field(sb, "method", state.method);
        field(sb, "path", state.path);
        field(sb, "protocol", state.protocol);
        number(sb, "response_code", r.responseCode);
        field(sb, "response_flags", r.responseFlag == null ? "-" : r.responseFlag.name());
        number(sb, "bytes_received", r.requestBytes);
        number(sb, "bytes_sent", r.responseBytes);
        number(sb, "duration", durationNanos / 1_000_000);
        field(sb, "x_forwarded_for", headers.get("x-forwarded-for"));
        field(sb, "user_agent", headers.get("user-agent"));
        field(sb, "request_id", headers.get("x-request-id"));
        field(sb, "authority", state.authority);
        field(sb, "upstream_host", r.upstreamHost == null ? null : r.upstreamHost.address());
        field(sb, "upstream_cluster", r.upstreamCluster);
        field(sb, "downstream_remote_address", exchange.sourceAddress());
        field(sb, "traceparent", headers.get("traceparent"));
        sb.setLength(sb.length() - 1); // the last comma
        return sb.append('}').toString();
    }

    private static void field(StringBuilder sb, String key, String value) {
        sb.append('"').append(key).append("\":");
        if (value == null) {
            sb.append("null,");
        } else {
            sb.append('"');
            JsonStringEncoder.getInstance().quoteAsString(value, sb);
            sb.append("\",");
        }
    }

    private static void number(StringBuilder sb, String key, long value) {
        sb.append('"').append(key).append("\":").append(value).append(',');
    }

    private static String orDash(String s) {
        return s == null || s.isEmpty() ? "-" : s;
    }

    private void run() {
        try {
            while (!closed || !queue.isEmpty()) {
                String line = queue.poll(500, TimeUnit.MILLISECONDS);
                if (line == null) {
                    continue;
                }
                do {
                    out.write(line);
                    out.write('\n');
                    written.increment();
                } while ((line = queue.poll()) != null);
                out.flush(); // the queue ran dry: make the lines visible
            }
        } catch (InterruptedException e) {
            // closing: write what is queued
        } catch (IOException e) {
            closed = true;
        }
        try {
            String line;
            while ((line = queue.poll()) != null) {
                out.write(line);
                out.write('\n');
            }
            out.flush();
        } catch (IOException ignored) {
            // nothing more to do for a log that cannot be written
        }
    }

    void writePrometheus(StringBuilder sb) {
        PrometheusText.type(sb, "weft_access_log_lines_total", "counter", "Access log lines written.");
        PrometheusText.sample(sb, "weft_access_log_lines_total", "", written.sum());
        PrometheusText.type(sb, "weft_access_log_dropped_total", "counter",
                "Access log lines dropped because the writer fell behind.");
        PrometheusText.sample(sb, "weft_access_log_dropped_total", "", dropped.sum());
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
        try {
            if (toStdout) {
                out.flush(); // stdout stays open for the rest of the process's output
            } else {
                out.close();
            }
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
