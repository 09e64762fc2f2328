package dev.weft.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.weft.dataplane.telemetry.DestinationService;
import dev.weft.dataplane.telemetry.RequestLabels;
import dev.weft.dataplane.telemetry.RequestMetrics;
import dev.weft.dataplane.telemetry.Workload;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Reads exactly what a sidecar's /stats/prometheus writes. */
class GoldenSignalsTest {
    private static RequestLabels labels(String reporter, String service, int code) {
        return labels(reporter, service, code, "http", "-");
    }

    private static RequestLabels labels(String reporter, String service, int code, String protocol, String grpcStatus) {
        DestinationService d = DestinationService.ofHost(service + ".default.svc.cluster.local");
        Workload w = Workload.fromLabels(service + "-v1", "default", "default", Map.of("app", service));
        return new RequestLabels(reporter, Workload.UNKNOWN_WORKLOAD, "unknown", w, "unknown", d.host(), d.name(),
                d.namespace(), protocol, code, grpcStatus, "-", "none");
    }

    @Test
    void summarisesRequestsErrorsAndLatencyPerDestinationService() {
        RequestMetrics reviews = new RequestMetrics();
        for (int i = 0; i < 90; i++) {
            reviews.record(labels("destination", "reviews", 200), 7, 0, 100); // bucket (5, 10]
        }
        for (int i = 0; i < 10; i++) {
            reviews.record(labels("destination", "reviews", 503), 300, 0, 10); // bucket (250, 500]
        }
        reviews.record(labels("source", "ratings", 200), 1, 0, 0); // the caller's view: not counted again
        StringBuilder page = new StringBuilder();
        reviews.writePrometheus(page);

        GoldenSignals signals = new GoldenSignals().add(page.toString());
        assertThat(signals.services()).hasSize(1);
        GoldenSignals.Service s = signals.services().getFirst();
        assertThat(s.name()).isEqualTo("reviews");
        assertThat(s.requests()).isEqualTo(100);
        assertThat(s.errors()).isEqualTo(10);
        assertThat(s.p50Millis()).isCloseTo(5 + 5 * (50.0 / 90), within(0.01));
        assertThat(s.p99Millis()).isCloseTo(250 + 250 * (9.0 / 10), within(0.01));
        assertThat(signals.table("  ")).contains("reviews", "100", "10.0%");
    }

    @Test
    void grpcServicesShowTheirCallsByGrpcResponseStatusAndCountServerFailuresAsErrors() {
        RequestMetrics ratings = new RequestMetrics();
        for (int i = 0; i < 95; i++) {
            ratings.record(labels("destination", "ratings", 200, "grpc", "0"), 2, 0, 50);
        }
        for (int i = 0; i < 4; i++) {
            ratings.record(labels("destination", "ratings", 200, "grpc", "14"), 2, 0, 0); // UNAVAILABLE in trailers
        }
        ratings.record(labels("destination", "ratings", 200, "grpc", "7"), 1, 0, 0); // PERMISSION_DENIED: the caller's
        ratings.record(labels("destination", "details", 200), 1, 0, 10);
        StringBuilder page = new StringBuilder();
        ratings.writePrometheus(page);

        GoldenSignals signals = new GoldenSignals().add(page.toString());
        GoldenSignals.Service r = signals.services().stream().filter(s -> s.name().equals("ratings")).findFirst().orElseThrow();
        assertThat(r.requests()).isEqualTo(100);
        assertThat(r.errors()).isEqualTo(4);
        assertThat(r.grpcStatuses()).containsExactly(Map.entry("0", 95L), Map.entry("7", 1L), Map.entry("14", 4L));
        String table = signals.table("");
        assertThat(table).contains("grpc_response_status")
                .contains("OK 95 · PERMISSION_DENIED 1 · UNAVAILABLE 4");
        assertThat(table.lines().filter(l -> l.startsWith("details")).findFirst().orElseThrow()).endsWith("-");
    }
}
