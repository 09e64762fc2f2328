package dev.weft.proxy.telemetry;

import java.net.URI;
import java.nio.file.Path;

/**
 * How a proxy reports: its workload name for metric labels, the access log, and tracing.
 *
 * @param workloadName the {@code *_workload} label value for this proxy's workload (Istio: the deployment name)
 * @param accessLog where access log lines go: null for none, {@code stdout}, or a file path
 * @param tracingEndpoint the collector URL spans are posted to, or null for no export (trace headers are still
 *                        generated and propagated)
 * @param tracingSamplingPercent share of new traces that are sampled, 0..100 (Istio's default is 1)
 */
public record TelemetryOptions(String workloadName, String accessLog, AccessLogFormat accessLogFormat,
                               URI tracingEndpoint, SpanFormat tracingFormat, double tracingSamplingPercent) {
    public TelemetryOptions {
        if (tracingSamplingPercent < 0 || tracingSamplingPercent > 100) {
            throw new IllegalArgumentException("tracing sampling must be 0..100 percent, got " + tracingSamplingPercent);
        }
        accessLogFormat = accessLogFormat == null ? AccessLogFormat.TEXT : accessLogFormat;
        tracingFormat = tracingFormat == null ? SpanFormat.OTLP : tracingFormat;
    }

    /** No access log, no span export, Istio's default 1% sampling; the workload named after the service. */
    public static TelemetryOptions defaults(String workloadName) {
        return new TelemetryOptions(workloadName, null, AccessLogFormat.TEXT, null, SpanFormat.OTLP, 1.0);
    }

    public boolean accessLogToStdout() {
        return "stdout".equals(accessLog) || "-".equals(accessLog);
    }

    public Path accessLogFile() {
        return accessLog == null || accessLogToStdout() ? null : Path.of(accessLog);
    }

    /** The access log line formats. */
    public enum AccessLogFormat { TEXT, JSON }

    /** Span export wire formats: OTLP/HTTP JSON ({@code /v1/traces}) or Zipkin v2 JSON ({@code /api/v2/spans}). */
    public enum SpanFormat { OTLP, ZIPKIN }
}
