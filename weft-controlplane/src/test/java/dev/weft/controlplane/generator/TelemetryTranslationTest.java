package dev.weft.controlplane.generator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.controlplane.proxy.ProxyNode;
import dev.weft.controlplane.push.PushContext;
import dev.weft.controlplane.xds.XdsType;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StdoutAccessLog;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Telemetry API → the connection managers' access_log and tracing, with Istio's precedence (mesh default in the root
 * namespace, overridden field by field by the workload's own policy) and modes (SERVER: inbound, CLIENT: the rest).
 */
class TelemetryTranslationTest {
    private static final Generators GENERATORS = Generators.standard();

    @Test
    void workloadPoliciesOverrideTheMeshDefaultFieldByFieldPerSide() throws Exception {
        List<ProxyNode> proxies = GeneratorGoldenTest.bookinfoProxies();
        PushContext context = GeneratorGoldenTest.context("telemetry", proxies);

        // details: only the mesh default — JSON access log and 5% on both sides
        ProxyNode details = node(proxies, "details");
        for (String listener : List.of(ListenerGenerator.INBOUND, ListenerGenerator.OUTBOUND)) {
            HttpConnectionManager hcm = hcm(context, details, listener);
            assertThat(hcm.getAccessLogCount()).isEqualTo(1);
            assertThat(hcm.getAccessLog(0).getName()).isEqualTo(TelemetryTranslator.STDOUT_LOGGER);
            StdoutAccessLog stdout = hcm.getAccessLog(0).getTypedConfig().unpack(StdoutAccessLog.class);
            assertThat(stdout.getLogFormat().getJsonFormat().getFieldsMap()).containsKeys("start_time", "response_code");
            assertThat(hcm.getTracing().getRandomSampling().getValue()).isEqualTo(5.0);
            assertThat(hcm.getTracing().hasOverallSampling()).isFalse();
            assertThat(managed(listener(context, details, listener))).isTrue();
        }

        // reviews: SERVER logging off (the list is empty but marked managed), CLIENT keeps the mesh's JSON log;
        // sampling inherited from the mesh, span export off on both sides
        ProxyNode reviews = node(proxies, "reviews");
        HttpConnectionManager inbound = hcm(context, reviews, ListenerGenerator.INBOUND);
        assertThat(inbound.getAccessLogCount()).isZero();
        assertThat(managed(listener(context, reviews, ListenerGenerator.INBOUND))).isTrue();
        assertThat(inbound.getTracing().getRandomSampling().getValue()).isEqualTo(5.0);
        assertThat(inbound.getTracing().getOverallSampling().getValue()).isZero();
        HttpConnectionManager outbound = hcm(context, reviews, ListenerGenerator.OUTBOUND);
        assertThat(outbound.getAccessLogCount()).isEqualTo(1);
        assertThat(outbound.getTracing().getOverallSampling().getValue()).isZero();
        // a SERVER metrics override: listed on the inbound listener only (gRPC message metrics do not exist here)
        assertThat(listener(context, reviews, ListenerGenerator.INBOUND).getMetadata().getFilterMetadataMap()
                .get(TelemetryTranslator.METADATA_KEY).getFieldsMap().get("disabled_metrics").getListValue()
                .getValuesList()).extracting(v -> v.getStringValue()).containsExactly("REQUEST_DURATION");
        assertThat(listener(context, reviews, ListenerGenerator.OUTBOUND).getMetadata().getFilterMetadataMap()
                .get(TelemetryTranslator.METADATA_KEY).getFieldsMap()).doesNotContainKey("disabled_metrics");

        // productpage: text line (no log_format) and 100% on every listener, its upstream_* listeners too
        ProxyNode productpage = GeneratorGoldenTest.productpage();
        Map<String, com.google.protobuf.Message> listeners = GENERATORS.forType(XdsType.LISTENER).generate(context,
                productpage);
        assertThat(listeners).hasSizeGreaterThan(2);
        for (var l : listeners.values()) {
            HttpConnectionManager hcm = hcmOf((Listener) l);
            assertThat(hcm.getAccessLog(0).getTypedConfig().unpack(StdoutAccessLog.class).hasLogFormat()).isFalse();
            assertThat(hcm.getTracing().getRandomSampling().getValue()).isEqualTo(100.0);
        }

        // mongo (namespace "storage"): the mesh default reaches every namespace
        assertThat(hcm(context, node(proxies, "mongo"), ListenerGenerator.INBOUND).getTracing()
                .getRandomSampling().getValue()).isEqualTo(5.0);
    }

    @Test
    void withoutTelemetryResourcesListenersCarryNoTelemetryFields() throws Exception {
        List<ProxyNode> proxies = GeneratorGoldenTest.bookinfoProxies();
        PushContext context = GeneratorGoldenTest.context("authz", proxies);
        Listener inbound = listener(context, node(proxies, "details"), ListenerGenerator.INBOUND);
        assertThat(hcmOf(inbound).getAccessLogCount()).isZero();
        assertThat(hcmOf(inbound).hasTracing()).isFalse();
        assertThat(managed(inbound)).isFalse();
    }

    private static ProxyNode node(List<ProxyNode> proxies, String app) {
        return proxies.stream().filter(p -> p.labels().get("app").equals(app)).findFirst().orElseThrow();
    }

    private static Listener listener(PushContext context, ProxyNode proxy, String name) {
        return (Listener) GENERATORS.forType(XdsType.LISTENER).generate(context, proxy).get(name);
    }

    private static HttpConnectionManager hcm(PushContext context, ProxyNode proxy, String name) throws Exception {
        return hcmOf(listener(context, proxy, name));
    }

    private static HttpConnectionManager hcmOf(Listener l) throws Exception {
        var filters = l.getFilterChains(0).getFiltersList();
        return filters.getLast().getTypedConfig().unpack(HttpConnectionManager.class);
    }

    private static boolean managed(Listener l) {
        var md = l.getMetadata().getFilterMetadataMap().get(TelemetryTranslator.METADATA_KEY);
        return md != null && md.getFieldsMap().get("access_log_managed").getBoolValue();
    }
}
