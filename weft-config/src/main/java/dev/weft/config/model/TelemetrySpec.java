package dev.weft.config.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;

/**
 * Istio {@code Telemetry.spec}. Fields Weft does not apply ({@code targetRef(s)}, {@code filter}, {@code customTags},
 * {@code tagOverrides}, ...) are bound so validation can reject them with a clear message instead of "unknown field".
 *
 * @param selector workloads it applies to (null: the namespace, or the mesh in the root namespace)
 */
public record TelemetrySpec(PolicySelector selector, JsonNode targetRef, JsonNode targetRefs,
                            List<AccessLogging> accessLogging, List<Tracing> tracing, List<Metrics> metrics) {
    public TelemetrySpec {
        accessLogging = Immutables.list(accessLogging);
        tracing = Immutables.list(tracing);
        metrics = Immutables.list(metrics);
    }

    /** Istio {@code WorkloadMode}: which side of a hop a rule covers. */
    public enum WorkloadMode {
        CLIENT_AND_SERVER, CLIENT, SERVER;

        /** Whether a rule with this mode (null: both sides) covers {@code side}. */
        public static boolean covers(WorkloadMode mode, WorkloadMode side) {
            return mode == null || mode == CLIENT_AND_SERVER || mode == side;
        }
    }

    /** Istio {@code ProviderRef}. */
    public record ProviderRef(String name) {}

    /** Istio {@code AccessLogging.LogSelector} / {@code Tracing.TracingSelector}. */
    public record ModeSelector(WorkloadMode mode) {}

    /** Istio {@code AccessLogging.Filter}: a CEL expression. */
    public record Filter(String expression) {}

    /** Istio {@code AccessLogging}. */
    public record AccessLogging(ModeSelector match, List<ProviderRef> providers, Boolean disabled, Filter filter) {
        public AccessLogging {
            providers = Immutables.list(providers);
        }
    }

    /** Istio {@code Tracing}. */
    public record Tracing(ModeSelector match, List<ProviderRef> providers, Double randomSamplingPercentage,
                          Boolean disableSpanReporting, JsonNode customTags, Boolean useRequestIdForTraceSampling,
                          Boolean enableIstioTags) {
        public Tracing {
            providers = Immutables.list(providers);
        }
    }

    /** Istio {@code Metrics}. */
    public record Metrics(List<ProviderRef> providers, List<MetricsOverrides> overrides, Duration reportingInterval) {
        public Metrics {
            providers = Immutables.list(providers);
            overrides = Immutables.list(overrides);
        }
    }

    /** Istio {@code MetricsOverrides}. */
    public record MetricsOverrides(MetricSelector match, Boolean disabled, JsonNode tagOverrides) {}

    /** Istio {@code MetricSelector}: one standard metric (or all) on one side. */
    public record MetricSelector(IstioMetric metric, String customMetric, WorkloadMode mode) {}

    /** Istio {@code MetricSelector.IstioMetric}. */
    public enum IstioMetric {
        ALL_METRICS, REQUEST_COUNT, REQUEST_DURATION, REQUEST_SIZE, RESPONSE_SIZE, TCP_OPENED_CONNECTIONS,
        TCP_CLOSED_CONNECTIONS, TCP_SENT_BYTES, TCP_RECEIVED_BYTES, GRPC_REQUEST_MESSAGES, GRPC_RESPONSE_MESSAGES
    }
}
