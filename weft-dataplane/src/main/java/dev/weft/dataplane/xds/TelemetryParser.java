package dev.weft.dataplane.xds;

import com.google.protobuf.Value;
import dev.weft.dataplane.config.ListenerTelemetry;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLog;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StdoutAccessLog;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;

/**
 * The HTTP connection manager's {@code access_log} and {@code tracing}, as the control plane translates Istio's
 * Telemetry API (docs/xds-conventions.md, "Telemetry API"):
 * <ul>
 *   <li>{@code access_log}: at most one {@code envoy.access_loggers.stdout} ({@code StdoutAccessLog}) — no
 *       {@code log_format}: Envoy's default text line; {@code log_format.json_format}: the JSON line. Lines go where
 *       the proxy's {@code --access-log} says (stdout by default). The listener's
 *       {@code metadata.filter_metadata["weft.dev/telemetry"].access_log_managed: true} says the list is the whole
 *       truth, so an empty list turns logging off; without it an empty list leaves the proxy's flag in force.</li>
 *   <li>{@code tracing}: {@code random_sampling} (0..100) replaces {@code --tracing-sampling}; {@code overall_sampling}
 *       0 stops span export (Istio's disableSpanReporting: decisions still propagate), 100 or absent exports.</li>
 * </ul>
 * Anything else in them (filters, other loggers or formats, tracing providers, custom tags) is NACKed by name.
 */
public final class TelemetryParser {
    public static final String METADATA_KEY = "weft.dev/telemetry";
    public static final String ACCESS_LOG_MANAGED = "access_log_managed";
    public static final String DISABLED_METRICS = "disabled_metrics";
    public static final String STDOUT_LOGGER = "envoy.access_loggers.stdout";
    static final String STDOUT_TYPE = TypedAny.url("envoy.extensions.access_loggers.stream.v3.StdoutAccessLog");

    private TelemetryParser() {}

    /** The listener's {@code metadata.filter_metadata} of {@link #METADATA_KEY}, or null. */
    private static com.google.protobuf.Struct filterMetadata(Listener listener) {
        // reading a map field builds protobuf descriptors (see WireFields): only for a listener with metadata
        return listener.hasMetadata() ? listener.getMetadata().getFilterMetadataMap().get(METADATA_KEY) : null;
    }

    /** The listener's {@code disabled_metrics}: Istio's metric names a Telemetry API override turned off. */
    public static java.util.Set<dev.weft.dataplane.telemetry.StandardMetric> disabledMetrics(Listener listener,
                                                                                           Rejector reject)
            throws ResourceRejectedException {
        var md = filterMetadata(listener);
        Value v = md == null ? null : md.getFieldsMap().get(DISABLED_METRICS);
        if (v == null) {
            return java.util.Set.of();
        }
        String at = "metadata.filter_metadata[\"" + METADATA_KEY + "\"]." + DISABLED_METRICS;
        if (!v.hasListValue()) {
            throw reject.at(at, "must be a list of metric names");
        }
        java.util.Set<dev.weft.dataplane.telemetry.StandardMetric> out =
                java.util.EnumSet.noneOf(dev.weft.dataplane.telemetry.StandardMetric.class);
        for (Value name : v.getListValue().getValuesList()) {
            try {
                out.add(dev.weft.dataplane.telemetry.StandardMetric.valueOf(name.getStringValue()));
            } catch (IllegalArgumentException e) {
                throw reject.at(at, "unknown metric \"" + name.getStringValue() + "\"; known: "
                        + java.util.List.of(dev.weft.dataplane.telemetry.StandardMetric.values()));
            }
        }
        return out;
    }

    /** Whether the listener says its connection manager's access_log list is authoritative. */
    public static boolean accessLogManaged(Listener listener) {
        var md = filterMetadata(listener);
        if (md == null) {
            return false;
        }
        Value v = md.getFieldsMap().get(ACCESS_LOG_MANAGED);
        return v != null && v.getBoolValue();
    }

    static ListenerTelemetry parse(HttpConnectionManager hcm, boolean accessLogManaged, Rejector reject, String path)
            throws ResourceRejectedException {
        ListenerTelemetry.AccessLog accessLog = accessLogManaged ? ListenerTelemetry.AccessLog.OFF
                : ListenerTelemetry.AccessLog.DEFAULT;
        if (hcm.getAccessLogCount() > 1) {
            throw reject.at(path + ".access_log", "at most one access logger is supported, got " + hcm.getAccessLogCount());
        }
        if (hcm.getAccessLogCount() == 1) {
            accessLog = accessLog(hcm.getAccessLog(0), reject, path + ".access_log[0]");
        }
        Double sampling = null;
        boolean reportSpans = true;
        if (hcm.hasTracing()) {
            String at = path + ".tracing";
            HttpConnectionManager.Tracing t = hcm.getTracing();
            HttpConnectionManager.Tracing rest = t.toBuilder().clearRandomSampling().clearOverallSampling().build();
            if (!rest.equals(HttpConnectionManager.Tracing.getDefaultInstance())) {
                throw reject.at(at, "only random_sampling and overall_sampling are supported (spans go to the proxy's"
                        + " --tracing-endpoint), got " + TypedAny.setFields(rest));
            }
            if (t.hasRandomSampling()) {
                double v = t.getRandomSampling().getValue();
                if (Double.isNaN(v) || v < 0 || v > 100) {
                    throw reject.at(at + ".random_sampling.value", "must be 0..100, got " + v);
                }
                sampling = v;
            }
            if (t.hasOverallSampling()) {
                double v = t.getOverallSampling().getValue();
                if (v != 0 && v != 100) {
                    throw reject.at(at + ".overall_sampling.value", "only 0 (no span export) or 100 are supported, got " + v);
                }
                reportSpans = v == 100;
            }
        }
        return new ListenerTelemetry(accessLog, sampling, reportSpans);
    }

    private static ListenerTelemetry.AccessLog accessLog(AccessLog log, Rejector reject, String path)
            throws ResourceRejectedException {
        if (log.hasFilter()) {
            throw reject.at(path + ".filter", "access log filters are not supported");
        }
        if (!log.hasTypedConfig() || !STDOUT_TYPE.equals(log.getTypedConfig().getTypeUrl())) {
            throw reject.at(path, "unsupported access logger " + log.getName() + " (only " + STDOUT_LOGGER
                    + " with StdoutAccessLog)");
        }
        StdoutAccessLog stdout = TypedAny.unpack(log.getTypedConfig(), STDOUT_TYPE, StdoutAccessLog.parser(), reject,
                path + ".typed_config");
        if (!stdout.hasLogFormat()) {
            return ListenerTelemetry.AccessLog.TEXT;
        }
        if (stdout.getLogFormat().hasJsonFormat()) {
            return ListenerTelemetry.AccessLog.JSON;
        }
        throw reject.at(path + ".typed_config.log_format", "only Envoy's default text format (no log_format) or"
                + " json_format are supported");
    }
}
