package dev.weft.config.validate;

import dev.weft.config.Telemetries;
import dev.weft.config.load.FieldPath;
import dev.weft.config.model.Telemetry;
import dev.weft.config.model.TelemetrySpec;
import java.util.List;

/**
 * Istio's Telemetry, strictly: what Weft applies is checked, what it does not apply is rejected with a message that
 * says so (a CEL log filter, custom tags, tag overrides, Gateway API target references) rather than ignored.
 */
final class TelemetryValidator {
    private TelemetryValidator() {}

    static void validate(Telemetry telemetry, Reporter r) {
        TelemetrySpec spec = telemetry.spec();
        FieldPath s = FieldPath.of("spec");
        if (spec.targetRef() != null || spec.targetRefs() != null) {
            r.error(s.field(spec.targetRef() != null ? "targetRef" : "targetRefs"),
                    "target references (Gateway API) are not supported by Weft; select workloads with spec.selector");
        }
        for (int i = 0; i < spec.accessLogging().size(); i++) {
            TelemetrySpec.AccessLogging a = spec.accessLogging().get(i);
            FieldPath at = s.field("accessLogging").index(i);
            if (a == null) {
                r.error(at, "an accessLogging entry must be a mapping");
                continue;
            }
            if (a.filter() != null) {
                r.error(at.field("filter"), "access log filters (CEL expressions) are not supported by Weft; "
                        + "remove the filter, or turn the log off for the workload with disabled: true");
            }
            providers(a.providers(), Telemetries.ACCESS_LOG_PROVIDERS, at, r, "access log");
        }
        for (int i = 0; i < spec.tracing().size(); i++) {
            TelemetrySpec.Tracing t = spec.tracing().get(i);
            FieldPath at = s.field("tracing").index(i);
            if (t == null) {
                r.error(at, "a tracing entry must be a mapping");
                continue;
            }
            if (!t.providers().isEmpty()) {
                r.error(at.field("providers"), "tracing providers are not selectable: a Weft sidecar exports spans to "
                        + "its --tracing-endpoint; remove providers");
            }
            Double p = t.randomSamplingPercentage();
            if (p != null && (p.isNaN() || p < 0 || p > 100)) {
                r.error(at.field("randomSamplingPercentage"), "must be 0..100, got " + p);
            }
            if (t.customTags() != null) {
                r.error(at.field("customTags"), "custom span tags are not supported by Weft yet; remove customTags");
            }
            if (t.useRequestIdForTraceSampling() != null) {
                r.error(at.field("useRequestIdForTraceSampling"), "not supported by Weft; remove it");
            }
            if (t.enableIstioTags() != null) {
                r.error(at.field("enableIstioTags"), "not supported by Weft; remove it");
            }
        }
        for (int i = 0; i < spec.metrics().size(); i++) {
            TelemetrySpec.Metrics m = spec.metrics().get(i);
            FieldPath at = s.field("metrics").index(i);
            if (m == null) {
                r.error(at, "a metrics entry must be a mapping");
                continue;
            }
            providers(m.providers(), List.of(Telemetries.PROMETHEUS), at, r, "metrics");
            if (m.reportingInterval() != null) {
                r.error(at.field("reportingInterval"), "not supported by Weft: TCP connections report every 5 s");
            }
            for (int j = 0; j < m.overrides().size(); j++) {
                TelemetrySpec.MetricsOverrides o = m.overrides().get(j);
                FieldPath ot = at.field("overrides").index(j);
                if (o == null) {
                    r.error(ot, "an override must be a mapping");
                    continue;
                }
                if (o.tagOverrides() != null) {
                    r.error(ot.field("tagOverrides"), "tag overrides are not supported by Weft yet; only disabled");
                }
                if (o.match() != null && o.match().customMetric() != null) {
                    r.error(ot.field("match").field("customMetric"), "custom metrics are not supported by Weft; "
                            + "use metric: one of " + List.of(TelemetrySpec.IstioMetric.values()));
                }
                if (o.disabled() == null && o.tagOverrides() == null) {
                    r.error(ot, "an override needs disabled: true or false");
                }
            }
        }
    }

    private static void providers(List<TelemetrySpec.ProviderRef> providers, List<String> known, FieldPath at,
                                  Reporter r, String what) {
        for (int i = 0; i < providers.size(); i++) {
            TelemetrySpec.ProviderRef p = providers.get(i);
            FieldPath pt = at.field("providers").index(i).field("name");
            if (p == null || p.name() == null || p.name().isEmpty()) {
                r.error(pt, "a provider name is required (one of " + String.join(", ", known) + ")");
            } else if (!known.contains(p.name())) {
                r.error(pt, "unknown " + what + " provider \"" + p.name() + "\"; Weft's built-in providers are "
                        + String.join(", ", known));
            }
        }
    }
}
