package dev.weft.dataplane.xds;

import static dev.weft.dataplane.xds.XdsFixtures.hcm;
import static dev.weft.dataplane.xds.XdsFixtures.listener;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.weft.dataplane.config.ListenerTelemetry;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLog;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.SubstitutionFormatString;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StdoutAccessLog;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.type.v3.Percent;
import org.junit.jupiter.api.Test;

/** The connection manager's access_log / tracing as the Telemetry API translation emits them, and NACKs. */
class TelemetryParserTest {
    private static final AccessLog TEXT = AccessLog.newBuilder().setName(TelemetryParser.STDOUT_LOGGER)
            .setTypedConfig(Any.pack(StdoutAccessLog.getDefaultInstance())).build();

    @Test
    void noTelemetryFieldsKeepTheProxysDefaults() throws Exception {
        assertThat(ListenerParser.parse(listener("inbound", 15006, hcm().build())).http().telemetry().isDefault())
                .isTrue();
    }

    @Test
    void accessLogFormatsSamplingAndSpanReporting() throws Exception {
        AccessLog json = AccessLog.newBuilder().setName(TelemetryParser.STDOUT_LOGGER).setTypedConfig(Any.pack(
                StdoutAccessLog.newBuilder().setLogFormat(SubstitutionFormatString.newBuilder().setJsonFormat(
                        Struct.newBuilder().putFields("code", Value.newBuilder().setStringValue("%RESPONSE_CODE%")
                                .build()))).build())).build();
        var t = parse(hcm().addAccessLog(json).setTracing(HttpConnectionManager.Tracing.newBuilder()
                .setRandomSampling(Percent.newBuilder().setValue(100))
                .setOverallSampling(Percent.newBuilder().setValue(0))).build(), false);
        assertThat(t).isEqualTo(new ListenerTelemetry(ListenerTelemetry.AccessLog.JSON, 100.0, false));
        assertThat(parse(hcm().addAccessLog(TEXT).build(), false).accessLog()).isEqualTo(ListenerTelemetry.AccessLog.TEXT);
        // managed and empty: off; unmanaged and empty: the proxy's flag
        assertThat(parse(hcm().build(), true).accessLog()).isEqualTo(ListenerTelemetry.AccessLog.OFF);
        assertThat(parse(hcm().build(), false).accessLog()).isEqualTo(ListenerTelemetry.AccessLog.DEFAULT);
    }

    @Test
    void unsupportedLoggersFormatsAndTracingFieldsAreNackedByName() {
        assertThatThrownBy(() -> parse(hcm().addAccessLog(TEXT.toBuilder().setName("envoy.access_loggers.file")
                .setTypedConfig(Any.pack(Struct.getDefaultInstance()))).build(), false))
                .hasMessageContaining("access_log[0]: unsupported access logger envoy.access_loggers.file");
        assertThatThrownBy(() -> parse(hcm().addAccessLog(TEXT).addAccessLog(TEXT).build(), false))
                .hasMessageContaining("at most one access logger");
        assertThatThrownBy(() -> parse(hcm().addAccessLog(TEXT.toBuilder().setTypedConfig(Any.pack(
                StdoutAccessLog.newBuilder().setLogFormat(SubstitutionFormatString.newBuilder()
                        .setTextFormat("%START_TIME%")).build()))).build(), false))
                .hasMessageContaining("log_format: only Envoy's default text format");
        assertThatThrownBy(() -> parse(hcm().setTracing(HttpConnectionManager.Tracing.newBuilder()
                .setRandomSampling(Percent.newBuilder().setValue(101))).build(), false))
                .hasMessageContaining("tracing.random_sampling.value: must be 0..100");
        assertThatThrownBy(() -> parse(hcm().setTracing(HttpConnectionManager.Tracing.newBuilder()
                .setVerbose(true)).build(), false))
                .hasMessageContaining("only random_sampling and overall_sampling are supported").hasMessageContaining("verbose");
    }

    @Test
    void disabledMetricsComeFromTheListenerMetadataAndUnknownNamesAreNacked() throws Exception {
        Listener l = listener("inbound", 15006, hcm().build());
        Listener withMetrics = l.toBuilder().setMetadata(Metadata.newBuilder().putFilterMetadata(
                TelemetryParser.METADATA_KEY, Struct.newBuilder().putFields(TelemetryParser.DISABLED_METRICS,
                        Value.newBuilder().setListValue(com.google.protobuf.ListValue.newBuilder()
                                .addValues(Value.newBuilder().setStringValue("REQUEST_COUNT"))
                                .addValues(Value.newBuilder().setStringValue("TCP_SENT_BYTES"))).build()).build()))
                .build();
        var config = ListenerParser.parse(withMetrics);
        assertThat(config.disabledMetrics()).containsExactlyInAnyOrder(
                dev.weft.dataplane.telemetry.StandardMetric.REQUEST_COUNT,
                dev.weft.dataplane.telemetry.StandardMetric.TCP_SENT_BYTES);
        assertThat(dev.weft.dataplane.telemetry.StandardMetric.REQUEST_COUNT.in(config.enabledMetrics())).isFalse();
        assertThat(dev.weft.dataplane.telemetry.StandardMetric.REQUEST_DURATION.in(config.enabledMetrics())).isTrue();
        assertThat(ListenerParser.parse(l).disabledMetrics()).isEmpty();
        Listener unknown = l.toBuilder().setMetadata(Metadata.newBuilder().putFilterMetadata(
                TelemetryParser.METADATA_KEY, Struct.newBuilder().putFields(TelemetryParser.DISABLED_METRICS,
                        Value.newBuilder().setListValue(com.google.protobuf.ListValue.newBuilder()
                                .addValues(Value.newBuilder().setStringValue("REQUEST_COUNTS"))).build()).build()))
                .build();
        assertThatThrownBy(() -> ListenerParser.parse(unknown)).hasMessageContaining("disabled_metrics")
                .hasMessageContaining("unknown metric \"REQUEST_COUNTS\"");
    }

    private static ListenerTelemetry parse(HttpConnectionManager hcm, boolean managed) throws Exception {
        Listener l = listener("inbound", 15006, hcm);
        if (managed) {
            l = l.toBuilder().setMetadata(Metadata.newBuilder().putFilterMetadata(TelemetryParser.METADATA_KEY,
                    Struct.newBuilder().putFields(TelemetryParser.ACCESS_LOG_MANAGED,
                            Value.newBuilder().setBoolValue(true).build()).build())).build();
        }
        return ListenerParser.parse(l).http().telemetry();
    }
}
