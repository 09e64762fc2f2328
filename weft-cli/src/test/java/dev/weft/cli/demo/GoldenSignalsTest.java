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
        DestinationService d = DestinationService.ofHost(service + ".default.svc.cluster.local");
        Workload w = Workload.fromLabels(service + "-v1", "default", "default", Map.of("app", service));
        return new RequestLabels(reporter, Workload.UNKNOWN_WORKLOAD, "unknown", w, "unknown", d.host(), d.name(),
                d.namespace(), "http", code, "-", "-", "none");
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
}
