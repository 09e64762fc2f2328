package dev.weft.dataplane.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TelemetryModelTest {
    @Test
    void peerMetadataRoundTripsInIstiosEncoding() {
        Workload self = Workload.fromLabels("reviews-v2", "bookinfo", "bookinfo-reviews",
                Map.of("app", "reviews", "version", "v2", "team", "a"));
        PeerMetadataCodec codec = new PeerMetadataCodec();
        Workload decoded = codec.decode(PeerMetadataCodec.encode(self));
        assertThat(decoded).isEqualTo(self);
        assertThat(decoded.app()).isEqualTo("reviews");
        assertThat(decoded.version()).isEqualTo("v2");
        assertThat(decoded.labels()).containsEntry("team", "a");
        assertThat(codec.decode(PeerMetadataCodec.encode(self))).as("cached").isSameAs(decoded);
    }

    @Test
    void tcpMetricsCountDeltasAndDisabledMetricsAreNeitherCountedNorExported() {
        RequestLabels labels = new RequestLabels("source", Workload.UNKNOWN_WORKLOAD, "unknown",
                Workload.UNKNOWN_WORKLOAD, "unknown", "echo.default.svc.cluster.local", "echo", "default", "tcp", 0,
                "-", "-", "unknown");
        TcpMetrics tcp = new TcpMetrics();
        int noSent = StandardMetric.enabledMask(java.util.List.of(StandardMetric.TCP_SENT_BYTES));
        tcp.record(labels, 100, 40, true, false, noSent);
        tcp.record(labels, 5, 7, false, true, noSent);
        StringBuilder out = new StringBuilder();
        tcp.writePrometheus(out);
        String text = out.toString();
        assertThat(text).contains("istio_tcp_received_bytes_total{reporter=\"source\"").contains("} 105\n")
                .contains("istio_tcp_connections_opened_total{").contains("istio_tcp_connections_closed_total{")
                .doesNotContain("istio_tcp_sent_bytes_total{").doesNotContain("response_code");
        RequestMetrics requests = new RequestMetrics();
        requests.record(labels, 3.0, 10, 20, StandardMetric.enabledMask(java.util.List.of(StandardMetric.REQUEST_COUNT)));
        StringBuilder r = new StringBuilder();
        requests.writePrometheus(r);
        assertThat(r.toString()).doesNotContain("istio_requests_total{").contains("istio_request_duration_milliseconds_count{");
    }

    @Test
    void garbledOrMissingMetadataMeansUnknown() {
        PeerMetadataCodec codec = new PeerMetadataCodec();
        assertThat(codec.decode(null)).isSameAs(Workload.UNKNOWN_WORKLOAD);
        assertThat(codec.decode("not base64 !!")).isSameAs(Workload.UNKNOWN_WORKLOAD);
        assertThat(codec.decode("AAAA")).isEqualTo(Workload.UNKNOWN_WORKLOAD);
    }

    @Test
    void histogramBucketsFollowPrometheusLe() {
        FixedHistogram h = new FixedHistogram(FixedHistogram.ISTIO_DURATION_MS);
        h.record(0.5);
        h.record(0.51);
        h.record(4_000_000);
        StringBuilder out = new StringBuilder();
        h.write(out, "d", "a=\"b\"");
        assertThat(out.toString()).contains("d_bucket{a=\"b\",le=\"0.5\"} 1\n", "d_bucket{a=\"b\",le=\"1\"} 2\n",
                "d_bucket{a=\"b\",le=\"3600000\"} 2\n", "d_bucket{a=\"b\",le=\"+Inf\"} 3\n", "d_count{a=\"b\"} 3\n");
    }

    @Test
    void destinationServiceFromClusterNames() {
        assertThat(DestinationService.ofCluster("outbound|9080|v2|reviews.default.svc.cluster.local"))
                .isEqualTo(new DestinationService("reviews.default.svc.cluster.local", "reviews", "default"));
        assertThat(DestinationService.ofCluster("outbound|443||api.example.com"))
                .isEqualTo(new DestinationService("api.example.com", "api.example.com", "unknown"));
    }

    @Test
    void labelSetsPastTheBoundGoToOneOverflowSeries() {
        RequestMetrics metrics = new RequestMetrics();
        for (int i = 0; i < RequestMetrics.MAX_SERIES + 100; i++) {
            Workload peer = new Workload("w" + i, "ns", "a", "v", "sa", Map.of());
            metrics.record(new RequestLabels("destination", peer, "unknown", Workload.UNKNOWN_WORKLOAD, "unknown",
                    "s", "s", "ns", "http", 200, "-", "-", "none"), 1, 0, 0);
        }
        assertThat(metrics.seriesCount()).isEqualTo(RequestMetrics.MAX_SERIES + 1);
        StringBuilder out = new StringBuilder();
        metrics.writePrometheus(out);
        assertThat(out.toString()).contains("destination_service=\"overflow\"")
                .contains("weft_telemetry_series_overflow_total 100\n");
    }

    @Test
    void labelValuesAreEscaped() {
        StringBuilder sb = new StringBuilder();
        PrometheusText.label(sb, "x", "a\"b\\c\nd");
        assertThat(sb.toString()).isEqualTo("x=\"a\\\"b\\\\c\\nd\"");
    }
}
