package dev.weft.controlplane.generator;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.weft.config.Telemetries;
import dev.weft.config.model.Telemetry;
import dev.weft.config.model.TelemetrySpec.WorkloadMode;
import dev.weft.controlplane.proxy.ProxyNode;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLog;
import io.envoyproxy.envoy.config.core.v3.SubstitutionFormatString;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StdoutAccessLog;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.type.v3.Percent;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Istio's Telemetry API on a proxy's listeners, as Istio configures Envoy: the effective access logging and tracing
 * of the listener's side (inbound: SERVER, the others: CLIENT) become the HTTP connection manager's
 * {@code access_log} (an {@code envoy.access_loggers.stdout}: Envoy's default text line, or a {@code json_format})
 * and {@code tracing} ({@code random_sampling}; {@code overall_sampling} 0 for disableSpanReporting). When access
 * logging was decided by a policy, the listener's {@code metadata.filter_metadata["weft.dev/telemetry"]} says so
 * ({@code access_log_managed: true}), so an empty list means "off" rather than "the proxy's default"; metrics
 * overrides that turn standard metrics off are listed there too ({@code disabled_metrics}: Istio's metric names —
 * Istio itself configures its own {@code istio.stats} filter, which has no Envoy proto). Listeners no Telemetry
 * applies to are left untouched.
 */
final class TelemetryTranslator {
    static final String METADATA_KEY = "weft.dev/telemetry";
    static final String STDOUT_LOGGER = "envoy.access_loggers.stdout";
    /** The JSON line's keys and the Envoy command operators they hold (what the Weft proxy writes for each). */
    static final Map<String, String> JSON_FORMAT = jsonFormat();

    private TelemetryTranslator() {}

    static Listener apply(Listener listener, List<Telemetry> telemetries, ProxyNode proxy) {
        if (telemetries.isEmpty()) {
            return listener;
        }
        WorkloadMode side = ListenerGenerator.INBOUND.equals(listener.getName()) ? WorkloadMode.SERVER
                : WorkloadMode.CLIENT;
        Telemetries.Effective effective = Telemetries.resolve(telemetries, proxy.namespace(), proxy.labels(), side);
        List<String> disabledMetrics = effective.disabledMetrics().stream()
                .filter(m -> !m.name().startsWith("GRPC_")) // Weft has no per-message gRPC metrics to turn off
                .map(Enum::name).sorted().toList();
        if (!effective.accessLogSet() && !effective.tracingSet() && disabledMetrics.isEmpty()) {
            return listener;
        }
        Listener.Builder b = listener.toBuilder();
        boolean http = false;
        for (int i = 0; i < b.getFilterChainsCount(); i++) {
            FilterChain.Builder chain = b.getFilterChains(i).toBuilder();
            for (int j = 0; j < chain.getFiltersCount(); j++) {
                Filter f = chain.getFilters(j);
                if (!ListenerGenerator.HCM_FILTER.equals(f.getName())) {
                    continue;
                }
                http = true;
                chain.setFilters(j, f.toBuilder().setTypedConfig(Any.pack(withTelemetry(unpack(f), effective))));
            }
            b.setFilterChains(i, chain);
        }
        Struct.Builder md = Struct.newBuilder();
        if (http && effective.accessLogSet()) {
            md.putFields("access_log_managed", Value.newBuilder().setBoolValue(true).build());
        }
        if (!disabledMetrics.isEmpty()) {
            com.google.protobuf.ListValue.Builder names = com.google.protobuf.ListValue.newBuilder();
            disabledMetrics.forEach(n -> names.addValues(Value.newBuilder().setStringValue(n)));
            md.putFields("disabled_metrics", Value.newBuilder().setListValue(names).build());
        }
        if (md.getFieldsCount() > 0) {
            b.getMetadataBuilder().putFilterMetadata(METADATA_KEY, md.build()); // keeps other filters' metadata
        }
        return b.build();
    }

    private static HttpConnectionManager unpack(Filter f) {
        try {
            return f.getTypedConfig().unpack(HttpConnectionManager.class);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("generated connection manager does not decode", e);
        }
    }

    private static HttpConnectionManager withTelemetry(HttpConnectionManager hcm, Telemetries.Effective e) {
        HttpConnectionManager.Builder b = hcm.toBuilder();
        if (e.accessLog() != null && !e.accessLogOff()) {
            StdoutAccessLog.Builder stdout = StdoutAccessLog.newBuilder();
            if (e.accessLog() == Telemetries.AccessLogFormat.JSON) {
                Struct.Builder json = Struct.newBuilder();
                JSON_FORMAT.forEach((k, v) -> json.putFields(k, Value.newBuilder().setStringValue(v).build()));
                stdout.setLogFormat(SubstitutionFormatString.newBuilder().setJsonFormat(json));
            }
            b.addAccessLog(AccessLog.newBuilder().setName(STDOUT_LOGGER).setTypedConfig(Any.pack(stdout.build())));
        }
        if (e.tracingSet()) {
            HttpConnectionManager.Tracing.Builder t = HttpConnectionManager.Tracing.newBuilder();
            if (e.samplingPercent() != null) {
                t.setRandomSampling(Percent.newBuilder().setValue(e.samplingPercent()));
            }
            if (Boolean.TRUE.equals(e.disableSpanReporting())) {
                t.setOverallSampling(Percent.newBuilder().setValue(0));
            }
            b.setTracing(t);
        }
        return b.build();
    }

    private static Map<String, String> jsonFormat() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("start_time", "%START_TIME%");
        m.put("method", "%REQ(:METHOD)%");
        m.put("path", "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%");
        m.put("protocol", "%PROTOCOL%");
        m.put("response_code", "%RESPONSE_CODE%");
        m.put("response_flags", "%RESPONSE_FLAGS%");
        m.put("bytes_received", "%BYTES_RECEIVED%");
        m.put("bytes_sent", "%BYTES_SENT%");
        m.put("duration", "%DURATION%");
        m.put("x_forwarded_for", "%REQ(X-FORWARDED-FOR)%");
        m.put("user_agent", "%REQ(USER-AGENT)%");
        m.put("request_id", "%REQ(X-REQUEST-ID)%");
        m.put("authority", "%REQ(:AUTHORITY)%");
        m.put("upstream_host", "%UPSTREAM_HOST%");
        m.put("upstream_cluster", "%UPSTREAM_CLUSTER%");
        m.put("downstream_remote_address", "%DOWNSTREAM_REMOTE_ADDRESS%");
        m.put("traceparent", "%REQ(TRACEPARENT)%");
        return java.util.Collections.unmodifiableMap(m); // in order: the golden JSON stays stable
    }
}
