package dev.weft.config;

import dev.weft.config.model.Telemetry;
import dev.weft.config.model.TelemetrySpec;
import dev.weft.config.model.TelemetrySpec.IstioMetric;
import dev.weft.config.model.TelemetrySpec.WorkloadMode;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Istio's resolution of the Telemetry that applies to one side (client or server) of one workload: the mesh default
 * (root namespace, no selector), overridden by the namespace's (no selector), overridden by the workload's own
 * (selector matching its labels) — field by field, so a workload policy that only sets sampling keeps the namespace's
 * access logging. Where several policies of one scope match, Istio takes the oldest; Weft the first in load order.
 */
public final class Telemetries {
    /** Weft's built-in access log providers: {@code envoy} is Envoy's default text line (Istio's default provider). */
    public static final List<String> ACCESS_LOG_PROVIDERS = List.of("envoy", "weft-json");
    public static final String PROMETHEUS = "prometheus";

    private Telemetries() {}

    /** The access log line formats the providers map to. */
    public enum AccessLogFormat { TEXT, JSON }

    /**
     * What the policies say for one side; a null part was set by no policy (the proxy's own default applies).
     *
     * @param accessLog      null: not set; otherwise the format, or {@code disabled}
     * @param accessLogOff   true when access logging is disabled
     * @param disabledMetrics the standard metrics turned off (never null; empty when none)
     */
    public record Effective(AccessLogFormat accessLog, boolean accessLogOff, Double samplingPercent,
                            Boolean disableSpanReporting, Set<IstioMetric> disabledMetrics) {
        public static final Effective NONE = new Effective(null, false, null, null, Set.of());

        public Effective {
            disabledMetrics = Set.copyOf(disabledMetrics);
        }

        public boolean accessLogSet() {
            return accessLog != null || accessLogOff;
        }

        public boolean tracingSet() {
            return samplingPercent != null || disableSpanReporting != null;
        }

        public boolean isEmpty() {
            return !accessLogSet() && !tracingSet() && disabledMetrics.isEmpty();
        }
    }

    public static Effective resolve(List<Telemetry> all, String namespace, Map<String, String> labels,
                                    WorkloadMode side) {
        Telemetry mesh = null;
        Telemetry ns = null;
        Telemetry workload = null;
        for (Telemetry t : all) {
            boolean selects = t.spec().selector() != null && !t.spec().selector().matchLabels().isEmpty();
            String tns = t.meta().namespace();
            if (tns.equals(namespace) && selects && t.spec().selector().matches(labels)) {
                workload = workload == null ? t : workload;
            } else if (tns.equals(namespace) && !selects) {
                ns = ns == null ? t : ns;
            }
            if (tns.equals(PeerAuthentications.ROOT_NAMESPACE) && !selects) {
                mesh = mesh == null ? t : mesh;
            }
        }
        AccessLogFormat format = null;
        boolean off = false;
        Double sampling = null;
        Boolean noSpans = null;
        Set<IstioMetric> disabled = EnumSet.noneOf(IstioMetric.class);
        for (Telemetry t : new Telemetry[]{mesh, ns == mesh ? null : ns, workload}) {
            if (t == null) {
                continue;
            }
            for (TelemetrySpec.AccessLogging a : t.spec().accessLogging()) {
                if (!WorkloadMode.covers(a.match() == null ? null : a.match().mode(), side)) {
                    continue;
                }
                if (Boolean.TRUE.equals(a.disabled())) {
                    off = true;
                    format = null;
                } else if (Boolean.FALSE.equals(a.disabled()) || !a.providers().isEmpty()) {
                    off = false;
                    format = a.providers().isEmpty() ? (format == null ? AccessLogFormat.TEXT : format)
                            : formatOf(a.providers().getFirst().name());
                }
            }
            for (TelemetrySpec.Tracing tr : t.spec().tracing()) {
                if (!WorkloadMode.covers(tr.match() == null ? null : tr.match().mode(), side)) {
                    continue;
                }
                if (tr.randomSamplingPercentage() != null) {
                    sampling = tr.randomSamplingPercentage();
                }
                if (tr.disableSpanReporting() != null) {
                    noSpans = tr.disableSpanReporting();
                }
            }
            for (TelemetrySpec.Metrics m : t.spec().metrics()) {
                for (TelemetrySpec.MetricsOverrides o : m.overrides()) {
                    WorkloadMode mode = o.match() == null ? null : o.match().mode();
                    if (o.disabled() == null || !WorkloadMode.covers(mode, side)) {
                        continue;
                    }
                    IstioMetric metric = o.match() == null || o.match().metric() == null ? IstioMetric.ALL_METRICS
                            : o.match().metric();
                    Set<IstioMetric> which = metric == IstioMetric.ALL_METRICS ? EnumSet.allOf(IstioMetric.class)
                            : EnumSet.of(metric);
                    if (o.disabled()) {
                        disabled.addAll(which);
                    } else {
                        disabled.removeAll(which);
                    }
                }
            }
        }
        disabled.remove(IstioMetric.ALL_METRICS);
        return new Effective(format, off, sampling, noSpans, disabled);
    }

    private static AccessLogFormat formatOf(String provider) {
        return "weft-json".equals(provider) ? AccessLogFormat.JSON : AccessLogFormat.TEXT;
    }
}
