package dev.weft.config;

import dev.weft.config.model.TelemetrySpec.IstioMetric;
import dev.weft.config.model.TelemetrySpec.WorkloadMode;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Telemetry loading (v1 and v1alpha1), strict validation, and Istio's precedence: workload > namespace > mesh. */
class TelemetryTest {
    private static final String POLICIES = """
            apiVersion: telemetry.istio.io/v1
            kind: Telemetry
            metadata:
              name: mesh-default
              namespace: istio-system
            spec:
              accessLogging:
                - providers:
                    - name: envoy
              tracing:
                - randomSamplingPercentage: 10
            ---
            apiVersion: telemetry.istio.io/v1alpha1
            kind: Telemetry
            metadata:
              name: shop
              namespace: shop
            spec:
              metrics:
                - providers:
                    - name: prometheus
                  overrides:
                    - match:
                        metric: REQUEST_DURATION
                        mode: CLIENT
                      disabled: true
            ---
            apiVersion: telemetry.istio.io/v1
            kind: Telemetry
            metadata:
              name: payments
              namespace: shop
            spec:
              selector:
                matchLabels:
                  app: payments
              accessLogging:
                - match:
                    mode: SERVER
                  disabled: true
              tracing:
                - randomSamplingPercentage: 100
                  disableSpanReporting: true
            """;

    @Test
    void effectiveSettingsFollowIstiosPrecedenceFieldByFieldAndMode() {
        LoadResult result = ConfigLoader.loadTexts(Map.of("telemetry.yaml", POLICIES));
        assertThat(result.errorReport()).isEmpty();
        var all = result.config().telemetries();
        assertThat(all).hasSize(3);
        Map<String, String> payments = Map.of("app", "payments");

        var server = Telemetries.resolve(all, "shop", payments, WorkloadMode.SERVER);
        assertThat(server.accessLogOff()).isTrue();
        assertThat(server.samplingPercent()).isEqualTo(100.0);
        assertThat(server.disableSpanReporting()).isTrue();
        assertThat(server.disabledMetrics()).isEmpty();

        var client = Telemetries.resolve(all, "shop", payments, WorkloadMode.CLIENT);
        assertThat(client.accessLogOff()).isFalse();
        assertThat(client.accessLog()).isEqualTo(Telemetries.AccessLogFormat.TEXT); // the mesh default's provider
        assertThat(client.disabledMetrics()).isEqualTo(Set.of(IstioMetric.REQUEST_DURATION)); // the namespace's

        var elsewhere = Telemetries.resolve(all, "default", Map.of("app", "x"), WorkloadMode.SERVER);
        assertThat(elsewhere.samplingPercent()).isEqualTo(10.0);
        assertThat(elsewhere.accessLog()).isEqualTo(Telemetries.AccessLogFormat.TEXT);
        assertThat(Telemetries.resolve(java.util.List.of(), "default", Map.of(), WorkloadMode.SERVER).isEmpty()).isTrue();
    }

    @Test
    void whatWeftDoesNotApplyIsRejectedWithFileLineAndField() {
        LoadResult result = ConfigLoader.loadTexts(Map.of("bad.yaml", """
                apiVersion: telemetry.istio.io/v1
                kind: Telemetry
                metadata:
                  name: bad
                  namespace: shop
                spec:
                  accessLogging:
                    - providers:
                        - name: otel
                      filter:
                        expression: response.code >= 400
                  tracing:
                    - randomSamplingPercentage: 150
                      customTags:
                        team:
                          literal:
                            value: a
                  metrics:
                    - overrides:
                        - match:
                            metric: REQUEST_COUNTS
                          disabled: true
                        - match:
                            metric: REQUEST_COUNT
                          tagOverrides:
                            x:
                              operation: REMOVE
                ---
                apiVersion: networking.istio.io/v1
                kind: Telemetry
                metadata:
                  name: wrong-group
                spec: {}
                """));
        String report = result.errorReport();
        assertThat(report).contains("bad.yaml:9: Telemetry shop/bad: spec.accessLogging[0].providers[0].name: "
                + "unknown access log provider \"otel\"; Weft's built-in providers are envoy, weft-json");
        assertThat(report).contains("Telemetry shop/bad: spec.accessLogging[0].filter: access log filters (CEL "
                + "expressions) are not supported by Weft");
        assertThat(report).contains("spec.tracing[0].randomSamplingPercentage: must be 0..100, got 150.0");
        assertThat(report).contains("spec.tracing[0].customTags: custom span tags are not supported");
        assertThat(report).contains("REQUEST_COUNTS");
        assertThat(report).contains("tagOverrides: tag overrides are not supported by Weft yet");
        assertThat(report).contains("Telemetry default/wrong-group: apiVersion: unsupported apiVersion "
                + "\"networking.istio.io/v1\" for Telemetry");
        assertThat(result.ok()).isFalse();
    }
}
